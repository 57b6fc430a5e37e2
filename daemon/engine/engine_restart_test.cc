// Write-ahead and recovery: the daemon destroyed between any two store
// commits, a new engine recovering from the same store and cluster, and the
// rollout finishing exactly as an uninterrupted one does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "daemon/engine/rollout_engine.h"
#include "daemon/testing/engine_harness.h"

namespace kanarya::engine {
namespace {

using ::kanarya::testing::CanaryTraffic;
using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::TestRolloutSpec;

struct Outcome {
  v1::Phase phase;
  v1::Decision decision;
  std::vector<int64_t> tick_times;  // the stored observations, in order
  std::vector<int> weight_events;   // stored WEIGHT_CHANGED weights, in order
  std::vector<int> live_weights;    // the canary weights the cluster went through
  bool operator==(const Outcome&) const = default;
};

Outcome Observe(EngineHarness& h, const std::string& name) {
  const v1::Rollout r = h.Current(name);
  Outcome o{r.status().phase(), r.status().decision(), {}, {}, {}};
  for (const v1::Tick& tick : h.Ticks(name)) o.tick_times.push_back(tick.time().seconds());
  for (const v1::RolloutEvent& e : h.Events(name)) {
    if (e.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) o.weight_events.push_back(e.canary_weight());
  }
  for (const testing::RouterCall& call : h.mesh.writes()) {
    const int weight = call.method == "SetCanaryWeight" ? call.weight : 0;
    if (o.live_weights.empty() || o.live_weights.back() != weight) o.live_weights.push_back(weight);
  }
  return o;
}

// A spec with three steps and a gate-free path, so a run has many commits.
v1::RolloutSpec RestartSpec() {
  v1::RolloutSpec spec = TestRolloutSpec();
  spec.mutable_steps()->clear_steps();
  for (const int weight : {10, 25, 50}) spec.mutable_steps()->add_steps()->set_weight(weight);
  return spec;
}

void CheckRestarts(const CanaryTraffic& traffic, int trials, uint32_t seed) {
  EngineHarness reference(traffic);
  const std::string reference_name = *reference.Start(RestartSpec());
  reference.RunToEnd(reference_name);
  const Outcome expected = Observe(reference, reference_name);
  const int64_t commits = reference.store.commit_count();
  ASSERT_GT(commits, 8);
  std::mt19937 random(seed);
  for (int trial = 0; trial < trials; ++trial) {
    const int crash_after = std::uniform_int_distribution<int>(1, commits - 1)(random);
    SCOPED_TRACE(::testing::Message() << "crash after commit " << crash_after);
    EngineHarness h(traffic);
    h.store.CrashAfter(crash_after);
    const std::string name = *h.Start(RestartSpec());
    // Drive the first daemon until a commit is refused: it dies there.
    for (int i = 0; i < 100'000; ++i) {
      const absl::Time next = h.engine->RunDue();
      if (h.store.crashed()) break;
      h.clock.AdvanceTo(next);
    }
    ASSERT_TRUE(h.store.crashed());
    h.engine.reset();
    h.store.CrashAfter(std::nullopt);
    // Once the analysis started, the restart takes a while and the ticks
    // missed meanwhile are caught up (same windows, same data); before, a
    // later start would shift every window and so the data.
    if (h.store.GetRollout(name)->status().has_start_time()) h.clock.Advance(absl::Seconds(25));
    h.engine = h.MakeEngine();
    ASSERT_TRUE(h.engine->Recover().ok());
    const v1::Rollout recovered = h.Current(name);
    const v1::Phase phase = recovered.status().phase();
    if (phase == v1::PHASE_PROGRESSING || phase == v1::PHASE_AWAITING_APPROVAL) {
      const int intent = recovered.status().canary_weight();
      EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{100 - intent, intent}));
    }
    h.RunToEnd(name);
    EXPECT_EQ(Observe(h, name), expected);
  }
}

TEST(EngineRestartTest, GoodCanaryKilledAtRandomCommitsPromotesExactlyOnce) {
  CheckRestarts(CanaryTraffic{}, 60, 20261126);
}

TEST(EngineRestartTest, BadCanaryKilledAtRandomCommitsRollsBackTheSame) {
  CanaryTraffic bad;
  bad.canary_error_rate = 0.02;
  CheckRestarts(bad, 30, 7);
}

}  // namespace
}  // namespace kanarya::engine
