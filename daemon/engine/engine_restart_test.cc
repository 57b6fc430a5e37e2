// Write-ahead and recovery: the daemon killed between any two stored
// mutations (between batches or inside one), a new engine recovering from the
// same store and cluster, and every rollout finishing exactly as in an
// uninterrupted run. On the in-memory store, and on SQLite reopened from its
// directory as a restarted daemon opens it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "daemon/engine/rollout_engine.h"
#include "daemon/store/memory_state_store.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/store/store_test_util.h"
#include "daemon/testing/engine_harness.h"

namespace kanarya::engine {
namespace {

using ::kanarya::testing::CanaryTraffic;
using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::TestRolloutSpec;

enum class Storage { kMemory, kSqlite };

// The data of one run: in memory, or SQLite in a temporary directory.
class RunData {
 public:
  explicit RunData(Storage storage) {
    if (storage == Storage::kSqlite) dir_.emplace();
  }
  store::StateStorePtr Open() const {
    if (!dir_) return std::make_unique<store::MemoryStateStore>();
    // NORMAL: a commit that returned survives kill -9 as with FULL (only a
    // power cut tells them apart), without an fsync per commit.
    absl::StatusOr<store::StateStorePtr> opened =
        store::SqliteStateStore::Open(dir_->path(), {.synchronous_full = false});
    if (!opened.ok()) ADD_FAILURE() << opened.status();
    return opened.ok() ? *std::move(opened) : nullptr;
  }
  // How a restarted daemon finds the data: SQLite is closed and reopened;
  // the in-memory store (nullptr) stays as it is.
  std::function<store::StateStorePtr()> Reopen() const {
    if (!dir_) return nullptr;
    return [this] { return Open(); };
  }

 private:
  std::optional<store::testing::ScopedTempDir> dir_;
};

struct Outcome {
  v1::Phase phase;
  v1::Decision decision;
  std::vector<int64_t> tick_times;  // the stored observations, in order
  std::vector<int> weight_events;   // stored WEIGHT_CHANGED weights, in order
  std::vector<int> live_weights;    // the canary weights the cluster went through
  int history_ticks;                // stored ticks of the baseline's history
  // Every tick's analysis as its event records it: each metric's state.
  std::vector<std::string> analyses;
  bool operator==(const Outcome&) const = default;
  friend void PrintTo(const Outcome& o, std::ostream* out) {
    *out << v1::Phase_Name(o.phase) << " " << v1::Decision_Name(o.decision) << " ticks at "
         << ::testing::PrintToString(o.tick_times) << " weights stored "
         << ::testing::PrintToString(o.weight_events) << " live "
         << ::testing::PrintToString(o.live_weights) << " history " << o.history_ticks
         << " analyses " << o.analyses.size();
  }
};

Outcome Observe(EngineHarness& h, const std::string& name) {
  const v1::Rollout r = h.Current(name);
  Outcome o{r.status().phase(), r.status().decision(), {}, {}, {}, 0, {}};
  for (const v1::Tick& tick : h.Ticks(name)) {
    o.tick_times.push_back(tick.time().seconds());
    o.history_ticks += tick.baseline_history() ? 1 : 0;
  }
  for (const v1::RolloutEvent& e : h.Events(name)) {
    if (e.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) o.weight_events.push_back(e.canary_weight());
    if (e.type() != v1::EVENT_TYPE_ANALYSIS) continue;
    std::string analysis;
    for (const v1::SequentialMetricResult& metric : e.metrics()) analysis += metric.DebugString();
    o.analyses.push_back(std::move(analysis));
  }
  for (const testing::RouterCall& call : h.mesh.writes()) {
    if (call.virtual_service != r.spec().target().virtual_service()) continue;
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

// Three rollouts in one engine, ticking in the same passes, so each pass
// commits batches of several rollouts: two good ones with different steps
// and one (canary version v3) that errs twice as often as its baseline.
std::vector<v1::RolloutSpec> FleetSpecs() {
  v1::RolloutSpec reviews = RestartSpec();
  v1::RolloutSpec ratings = RestartSpec();
  ratings.mutable_target()->set_virtual_service("ratings");
  ratings.set_revision("v3");
  ratings.mutable_scopes()->mutable_canary()->set_version("v3");
  v1::RolloutSpec details = TestRolloutSpec();
  details.mutable_target()->set_virtual_service("details");
  details.mutable_steps()->clear_steps();
  for (const int weight : {20, 60}) details.mutable_steps()->add_steps()->set_weight(weight);
  return {reviews, ratings, details};
}

CanaryTraffic FleetTraffic() {
  CanaryTraffic traffic;
  traffic.other_canary_error_rates["v3"] = 0.02;
  return traffic;
}

std::vector<std::string> StartAll(EngineHarness& h, const std::vector<v1::RolloutSpec>& specs) {
  std::vector<std::string> names;
  names.reserve(specs.size());
  for (const v1::RolloutSpec& spec : specs) names.push_back(*h.Start(spec));
  return names;
}

// Kills the daemon after a random number of stored mutations — between two
// batches or inside one, which then stores nothing — and checks that a new
// engine recovering from the store and the cluster finishes every rollout
// exactly as an uninterrupted run does.
// `phases`: how the uninterrupted run ends, rollout by rollout.
void CheckRestarts(Storage storage, const CanaryTraffic& traffic,
                   const std::vector<v1::RolloutSpec>& specs, const std::vector<v1::Phase>& phases,
                   int trials, uint32_t seed) {
  const RunData reference_data(storage);
  EngineHarness reference(traffic, reference_data.Open());
  const std::vector<std::string> reference_names = StartAll(reference, specs);
  const int64_t created = reference.store.commit_count();
  std::vector<Outcome> expected;
  expected.reserve(reference_names.size());
  for (const std::string& name : reference_names) reference.RunToEnd(name);
  for (const std::string& name : reference_names) expected.push_back(Observe(reference, name));
  std::vector<v1::Phase> ended;
  ended.reserve(expected.size());
  for (const Outcome& outcome : expected) ended.push_back(outcome.phase);
  ASSERT_EQ(ended, phases);
  // The baseline's history is read for continuous metrics only.
  for (size_t i = 0; i < specs.size(); ++i) {
    bool continuous = false;
    for (const v1::MetricSpec& metric : specs[i].analysis().metrics()) {
      continuous = continuous || metric.kind() == v1::METRIC_KIND_CONTINUOUS;
    }
    EXPECT_EQ(expected[i].history_ticks, continuous ? 120 : 0);
  }
  // Each pass batches its rollouts' commits.
  if (specs.size() > 1) {
    EXPECT_LT(reference.store.transaction_count(), reference.store.commit_count());
  }
  const int64_t commits = reference.store.commit_count() - created;
  ASSERT_GT(commits, 8);
  std::mt19937 random(seed);
  for (int trial = 0; trial < trials; ++trial) {
    const int crash_after = std::uniform_int_distribution<int>(1, commits - 1)(random);
    SCOPED_TRACE(::testing::Message() << "crash after mutation " << crash_after);
    const RunData data(storage);
    EngineHarness h(traffic, data.Open());
    const std::vector<std::string> names = StartAll(h, specs);
    h.store.CrashAfter(crash_after);
    // Drive the first daemon until a commit is refused: it dies there.
    for (int i = 0; i < 100'000; ++i) {
      const absl::Time next = h.engine->RunDue();
      if (h.store.crashed()) break;
      h.clock.AdvanceTo(next);
    }
    ASSERT_TRUE(h.store.crashed());
    // Write-ahead: no router was asked for more than the store says was
    // applied (a router call ahead of its intent would show here).
    bool started = true;
    for (const std::string& name : names) {
      const v1::RolloutStatus stored = h.store.GetRollout(name)->status();
      started = started && stored.has_start_time();
      if (stored.intent_applied() && stored.phase() == v1::PHASE_PROGRESSING) {
        const int weight = stored.canary_weight();
        EXPECT_EQ(h.mesh.Split(h.Current(name).spec().target().virtual_service()),
                  (mesh::TrafficSplit{100 - weight, weight}))
            << name;
      }
    }
    h.Restart(data.Reopen());
    // Once the analyses started, the restart takes a while and the ticks
    // missed meanwhile are caught up (same windows, same data); before, a
    // later start would shift every window and so the data.
    if (started) h.clock.Advance(absl::Seconds(25));
    ASSERT_TRUE(h.engine->Recover().ok());
    for (const std::string& name : names) {
      const v1::Rollout recovered = h.Current(name);
      const v1::Phase phase = recovered.status().phase();
      if (phase == v1::PHASE_PROGRESSING || phase == v1::PHASE_AWAITING_APPROVAL) {
        const int intent = recovered.status().canary_weight();
        EXPECT_EQ(h.mesh.Split(recovered.spec().target().virtual_service()),
                  (mesh::TrafficSplit{100 - intent, intent}))
            << name;
      }
    }
    for (const std::string& name : names) h.RunToEnd(name);
    for (size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(Observe(h, names[i]), expected[i]) << names[i];
    }
  }
}

TEST(EngineRestartTest, GoodCanaryKilledAtRandomCommitsPromotesExactlyOnce) {
  CheckRestarts(Storage::kMemory, CanaryTraffic{}, {RestartSpec()}, {v1::PHASE_SUCCEEDED}, 60,
                20261126);
}

TEST(EngineRestartTest, BadCanaryKilledAtRandomCommitsRollsBackTheSame) {
  CanaryTraffic bad;
  bad.canary_error_rate = 0.02;
  CheckRestarts(Storage::kMemory, bad, {RestartSpec()}, {v1::PHASE_ROLLED_BACK}, 30, 7);
}

// A continuous metric whose analysis starts from the baseline's history
// (stored at preflight): a restart at any mutation, before or after the
// history was stored, ends with the same analysis tick by tick.
TEST(EngineRestartTest, SlowerCanaryWithHistoryKilledAtRandomCommitsRollsBackTheSame) {
  CanaryTraffic slower;
  slower.latency_sd = 0.01;
  slower.canary_latency = 0.125;
  v1::RolloutSpec spec = RestartSpec();
  testing::WithLatencyGuardrail(spec, /*failure_limit=*/1);
  spec.mutable_analysis()->mutable_metrics(1)->set_tolerance(0.1);
  spec.mutable_analysis()->mutable_metrics(1)->set_absolute_tolerance(0);
  spec.mutable_analysis()->mutable_metrics(1)->set_critical(true);
  CheckRestarts(Storage::kMemory, slower, {spec}, {v1::PHASE_ROLLED_BACK}, 30, 11);
  CheckRestarts(Storage::kSqlite, slower, {spec}, {v1::PHASE_ROLLED_BACK}, 6, 12);
}

const std::vector<v1::Phase> kFleetEnds = {v1::PHASE_SUCCEEDED, v1::PHASE_ROLLED_BACK,
                                           v1::PHASE_SUCCEEDED};

TEST(EngineRestartTest, ThreeRolloutsKilledInsideAndBetweenBatchesFinishTheSame) {
  CheckRestarts(Storage::kMemory, FleetTraffic(), FleetSpecs(), kFleetEnds, 60, 99);
}

// The real store: a good canary promoted and a bad one rolled back side by
// side, and a daemon killed at random mutations, its database reopened by
// the next one, finishing both identically.
TEST(EngineOnSqliteTest, PromotesTheGoodRollsBackTheBadAndRecoversTheSameAfterACrash) {
  CheckRestarts(Storage::kSqlite, FleetTraffic(), FleetSpecs(), kFleetEnds, 12, 5);
}

}  // namespace
}  // namespace kanarya::engine
