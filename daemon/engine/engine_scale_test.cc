// How the engine copes with many rollouts at once: ticks spread over the
// interval, passes that send at most their query budget (the oldest ticks
// first, windows unmoved), router calls of a pass run concurrently.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "daemon/engine/parallel_for.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/testing/engine_harness.h"

namespace kanarya::engine {
namespace {

using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::TestRolloutSpec;

constexpr absl::Duration kTick = absl::Seconds(10);  // TestRolloutSpec's

// A rollout of `virtual_service` that keeps ticking at its first step.
v1::RolloutSpec Ticking(const std::string& virtual_service) {
  v1::RolloutSpec spec = TestRolloutSpec();
  spec.mutable_target()->set_virtual_service(virtual_service);
  spec.mutable_target()->set_destination_rule(virtual_service);
  spec.mutable_steps()->mutable_min_step_duration()->set_seconds(600);
  return spec;
}

std::vector<absl::Time> TickTimes(EngineHarness& h, const std::string& name) {
  std::vector<absl::Time> times;
  for (const v1::Tick& tick : h.Ticks(name)) {
    if (!tick.baseline_history()) times.push_back(FromProto(tick.time()));
  }
  return times;
}

TEST(EngineScaleTest, SpreadTicksStartEachRolloutAtItsOwnShareOfTheInterval) {
  EngineHarness h;
  h.options.spread_ticks = true;
  h.engine = h.MakeEngine();
  std::vector<std::string> names;
  names.reserve(8);
  for (int i = 0; i < 8; ++i) names.push_back(*h.Start(Ticking("svc-" + std::to_string(i))));
  const absl::Time start = h.clock.Now();
  h.engine->RunDue();  // every preflight, in this one pass
  std::set<absl::Time> first_ends;
  for (const std::string& name : names) {
    const v1::RolloutStatus s = h.Current(name).status();
    ASSERT_EQ(s.phase(), v1::PHASE_PROGRESSING) << name;
    // The first tick's window starts at the preflight plus the offset.
    const absl::Time first_end = FromProto(s.last_tick_time()) + kTick;
    EXPECT_GE(first_end, start + kTick) << name;
    EXPECT_LT(first_end, start + 2 * kTick) << name;
    first_ends.insert(first_end);
  }
  // Eight names land in eight of a million slots: a repeat is a 1-in-36,000 chance.
  EXPECT_EQ(first_ends.size(), names.size());

  for (absl::Time next = start; next < start + absl::Minutes(1);) {
    h.clock.AdvanceTo(next);
    next = h.engine->RunDue();
  }
  // Every later tick keeps the rollout's offset: one interval after the last.
  for (const std::string& name : names) {
    const std::vector<absl::Time> times = TickTimes(h, name);
    ASSERT_GE(times.size(), 4u) << name;
    for (size_t i = 1; i < times.size(); ++i) EXPECT_EQ(times[i] - times[i - 1], kTick) << name;
  }
}

TEST(EngineScaleTest, WithoutSpreadRolloutsCreatedTogetherTickTogether) {
  EngineHarness h;
  const std::string a = *h.Start(Ticking("svc-a"));
  const std::string b = *h.Start(Ticking("svc-b"));
  h.engine->RunDue();
  EXPECT_EQ(h.Current(a).status().last_tick_time().seconds(),
            h.Current(b).status().last_tick_time().seconds());
}

TEST(EngineScaleTest, APassSendsAtMostItsQueryBudgetTheOldestTicksFirst) {
  EngineHarness h;
  h.options.max_queries_per_pass = 8;  // two rollouts' ticks: 2 sides x events and total
  h.engine = h.MakeEngine();
  std::vector<std::string> names;
  for (const std::string vs : {"reviews", "ratings", "details"}) {
    names.push_back(*h.Start(Ticking(vs)));
  }
  const absl::Time start = h.clock.Now();
  const auto count = [&](v1::Phase phase) {
    int n = 0;
    for (const std::string& name : names) n += h.Current(name).status().phase() == phase ? 1 : 0;
    return n;
  };
  const auto ticked = [&] {
    int n = 0;
    for (const std::string& name : names) n += h.Current(name).status().ticks();
    return n;
  };

  int queries = h.prometheus.query_count();
  EXPECT_LE(h.engine->RunDue(), start);  // two preflights; the third is still due
  EXPECT_EQ(h.prometheus.query_count() - queries, 8);
  EXPECT_EQ(count(v1::PHASE_PROGRESSING), 2);
  queries = h.prometheus.query_count();
  h.engine->RunDue();
  EXPECT_EQ(h.prometheus.query_count() - queries, 4);
  EXPECT_EQ(count(v1::PHASE_PROGRESSING), 3);

  // All three ticks fall due at once; two fit the budget, the third runs in
  // the next pass with its window where it was.
  h.clock.AdvanceTo(start + kTick);
  queries = h.prometheus.query_count();
  EXPECT_LE(h.engine->RunDue(), h.clock.Now());
  EXPECT_EQ(h.prometheus.query_count() - queries, 8);
  EXPECT_EQ(ticked(), 2);
  h.clock.Advance(absl::Seconds(1));
  h.engine->RunDue();
  EXPECT_EQ(ticked(), 3);
  for (const std::string& name : names) {
    EXPECT_THAT(TickTimes(h, name), ::testing::ElementsAre(start + kTick)) << name;
  }
}

// Holds every call for a while and counts the calls in flight at once.
class SlowRouter final : public mesh::TrafficRouter {
 public:
  SlowRouter(mesh::TrafficRouterPtr inner, std::atomic<int>& in_flight, std::atomic<int>& most)
      : inner_(std::move(inner)), in_flight_(in_flight), most_(most) {}
  absl::Status Verify() override {
    Hold();
    return inner_->Verify();
  }
  absl::StatusOr<mesh::TrafficSplit> Read() override { return inner_->Read(); }
  absl::StatusOr<mesh::TrafficSplit> SetCanaryWeight(int canary_weight) override {
    Hold();
    return inner_->SetCanaryWeight(canary_weight);
  }
  absl::StatusOr<mesh::TrafficSplit> Rollback() override { return inner_->Rollback(); }
  absl::StatusOr<mesh::TrafficSplit> PromoteCanary() override { return inner_->PromoteCanary(); }

 private:
  void Hold() {
    const int now = in_flight_.fetch_add(1) + 1;
    for (int seen = most_.load(); now > seen && !most_.compare_exchange_weak(seen, now);) {
    }
    absl::SleepFor(absl::Milliseconds(50));
    in_flight_.fetch_sub(1);
  }

  mesh::TrafficRouterPtr inner_;
  std::atomic<int>& in_flight_;
  std::atomic<int>& most_;
};

TEST(EngineScaleTest, RouterCallsOfOnePassRunConcurrently) {
  for (const int threads : {1, 4}) {
    SCOPED_TRACE(threads);
    EngineHarness h;
    std::atomic<int> in_flight = 0;
    std::atomic<int> most = 0;
    h.engine = std::make_unique<RolloutEngine>(
        h.clock, h.store,
        [&h](const std::string& name) -> metrics::MetricProvider* {
          return name == "prometheus" ? &h.prometheus : nullptr;
        },
        [&](const v1::Rollout& rollout) -> absl::StatusOr<mesh::TrafficRouterPtr> {
          absl::StatusOr<mesh::TrafficRouterPtr> inner = h.mesh.MakeRouter(rollout);
          if (!inner.ok()) return inner.status();
          return std::make_unique<SlowRouter>(*std::move(inner), in_flight, most);
        },
        EngineOptions{.router_threads = threads});
    std::vector<std::string> names;
    names.reserve(4);
    for (int i = 0; i < 4; ++i) names.push_back(*h.Start(Ticking("svc-" + std::to_string(i))));
    h.engine->RunDue();  // four preflights' checks, then four first steps
    for (size_t i = 0; i < names.size(); ++i) {
      const v1::RolloutStatus s = h.Current(names[i]).status();
      EXPECT_EQ(s.phase(), v1::PHASE_PROGRESSING) << names[i];
      EXPECT_TRUE(s.intent_applied()) << names[i];
      EXPECT_EQ(h.mesh.Split("svc-" + std::to_string(i)).canary_weight, 10) << names[i];
    }
    if (threads == 1) {
      EXPECT_EQ(most.load(), 1);
    } else {
      EXPECT_GE(most.load(), 2);  // 4 at once unless the machine is very busy
    }
  }
}

TEST(EngineScaleTest, RecoveryReassertsAppliedIntentsInEachRolloutsFirstPass) {
  EngineHarness h;
  const std::string applied = *h.Start(Ticking("svc-a"));
  const std::string ahead = *h.Start(Ticking("svc-b"));
  const absl::Time start = h.clock.Now();
  h.engine->RunDue();  // both at their first step, 10 %, applied
  // While the daemon is down, someone sets svc-a to 30 %; svc-b's router
  // failed, so its stored intent (10 %) is not applied.
  h.mesh.EditByHand("svc-a", {70, 30});
  h.mesh.EditByHand("svc-b", {100, 0});
  {
    v1::Rollout unapplied = *h.store.GetRollout(ahead);
    unapplied.mutable_status()->set_intent_applied(false);
    ASSERT_TRUE(h.store.Commit({unapplied, {}, std::nullopt}, false).ok());
  }
  h.Restart();
  ASSERT_TRUE(h.engine->Recover().ok());
  // The unapplied intent is acted on before Recover returns; the applied one
  // is re-asserted shortly before the rollout's first pass (its tick at
  // 10 s), without waiting for that pass.
  EXPECT_EQ(h.mesh.Split("svc-b"), (mesh::TrafficSplit{90, 10}));
  EXPECT_TRUE(h.Current(ahead).status().intent_applied());
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(h.mesh.Split("svc-a"), (mesh::TrafficSplit{70, 30}));  // 10 s ahead: not yet
  h.clock.AdvanceTo(start + absl::Seconds(9));
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!(h.mesh.Split("svc-a") == mesh::TrafficSplit{90, 10}) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(h.mesh.Split("svc-a"), (mesh::TrafficSplit{90, 10}));
  h.clock.AdvanceTo(start + kTick);
  h.engine->RunDue();
  EXPECT_EQ(h.mesh.Split("svc-a"), (mesh::TrafficSplit{90, 10}));
  for (const std::string& name : {applied, ahead}) {
    const v1::RolloutStatus s = h.Current(name).status();
    EXPECT_EQ(s.phase(), v1::PHASE_PROGRESSING) << name;
    EXPECT_EQ(s.ticks(), 1) << name;
    EXPECT_TRUE(s.intent_applied()) << name;
  }
}

TEST(EngineScaleTest, ParallelForCallsEveryIndexOnce) {
  for (const int threads : {0, 1, 3, 64}) {
    std::vector<std::atomic<int>> calls(100);
    ParallelFor(calls.size(), threads, [&](size_t i) { calls[i].fetch_add(1); });
    for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  }
  ParallelFor(0, 8, [](size_t) { ADD_FAILURE() << "called for an empty range"; });
}

}  // namespace
}  // namespace kanarya::engine
