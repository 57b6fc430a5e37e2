// The baseline's history read at preflight: one range query per continuous
// metric in the preflight's batch, stored with the attempt, given to the
// analysis (a regression of a continuous metric is caught sooner), and a
// failed or empty read warned about, the rollout going on without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/testing/engine_harness.h"

namespace kanarya::engine {
namespace {

using ::kanarya::testing::CanaryTraffic;
using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::TestRolloutSpec;
using ::testing::HasSubstr;

// The test spec with a critical continuous "latency" metric whose allowance
// is 10 % of the baseline's 0.1, over steps long enough for the analysis to
// decide.
v1::RolloutSpec LatencySpec() {
  v1::RolloutSpec spec = TestRolloutSpec();
  testing::WithLatencyGuardrail(spec, /*failure_limit=*/1);
  v1::MetricSpec& latency = *spec.mutable_analysis()->mutable_metrics(1);
  latency.set_tolerance(0.1);
  latency.set_absolute_tolerance(0);
  latency.set_critical(true);  // promoted only once proven within its allowance
  spec.mutable_steps()->mutable_max_step_duration()->set_seconds(3600);
  return spec;
}

// Per-tick latency noise of 0.01 a side; the canary `shift` slower.
CanaryTraffic NoisyLatency(double shift) {
  CanaryTraffic traffic;
  traffic.latency_sd = 0.01;
  traffic.canary_latency = 0.1 + shift;
  return traffic;
}

// Records the range queries and, when `answer` is given, answers them with it.
class RangeQueries {
 public:
  RangeQueries(EngineHarness& h, const CanaryTraffic& traffic,
               std::optional<absl::StatusOr<metrics::QueryResult>> answer = std::nullopt) {
    h.prometheus.set_responder([this, inner = testing::MakeResponder(traffic),
                                answer = std::move(answer)](const metrics::Query& q) {
      if (q.start == q.end) return inner(q);
      absl::MutexLock lock(&mutex_);
      seen_.push_back(q);
      return answer.has_value() ? *answer : inner(q);
    });
  }
  std::vector<metrics::Query> seen() const {
    absl::MutexLock lock(&mutex_);
    return seen_;
  }

 private:
  mutable absl::Mutex mutex_;
  std::vector<metrics::Query> seen_ ABSL_GUARDED_BY(mutex_);
};

std::vector<std::string> Warnings(EngineHarness& h, const std::string& name) {
  std::vector<std::string> warnings;
  for (const v1::RolloutEvent& e : h.Events(name)) {
    if (e.type() == v1::EVENT_TYPE_WARNING) warnings.push_back(e.message());
  }
  return warnings;
}

std::optional<v1::RolloutEvent> LastAnalysis(EngineHarness& h, const std::string& name) {
  std::optional<v1::RolloutEvent> last;
  for (const v1::RolloutEvent& e : h.Events(name)) {
    if (e.type() == v1::EVENT_TYPE_ANALYSIS) last = e;
  }
  return last;
}

int HistoryTicks(EngineHarness& h, const std::string& name) {
  int count = 0;
  for (const v1::Tick& tick : h.Ticks(name)) count += tick.baseline_history() ? 1 : 0;
  return count;
}

TEST(EngineHistoryTest, TheHistoryIsReadOnceInThePreflightsBatchAndStoredFirst) {
  const CanaryTraffic traffic = NoisyLatency(0);
  EngineHarness h(traffic);
  RangeQueries ranges(h, traffic);
  const std::string name = *h.Start(LatencySpec());
  const absl::Time preflight = h.clock.Now();
  h.engine->RunDue();
  EXPECT_EQ(h.prometheus.run_calls(), 1);  // the preflight's queries and the history's
  EXPECT_EQ(h.Current(name).status().phase(), v1::PHASE_PROGRESSING);
  h.RunToEnd(name);
  EXPECT_EQ(h.Current(name).status().phase(), v1::PHASE_SUCCEEDED);

  ASSERT_EQ(ranges.seen().size(), 1u);  // only the continuous metric's baseline
  const metrics::Query history = ranges.seen()[0];
  EXPECT_EQ(history.expression, "latency{version=\"v1\"}");
  EXPECT_EQ(history.start, preflight - 119 * absl::Seconds(10));
  EXPECT_EQ(history.end, preflight);
  EXPECT_EQ(history.step, absl::Seconds(10));

  const std::vector<v1::Tick> ticks = h.Ticks(name);
  ASSERT_GT(ticks.size(), 120u);
  for (size_t i = 0; i < ticks.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ticks[i].baseline_history(), i < 120);
    if (i < 120) {
      EXPECT_EQ(FromProto(ticks[i].time()),
                preflight - (119 - static_cast<int>(i)) * absl::Seconds(10));
      EXPECT_EQ(ticks[i].metrics().size(), 1u);
      EXPECT_EQ(ticks[i].metrics().at("latency").baseline_size(), 1);
    }
  }
  EXPECT_EQ(h.Current(name).status().ticks(), static_cast<int>(ticks.size()) - 120);
  EXPECT_TRUE(Warnings(h, name).empty());
}

// The same data, the same seeds: the analysis that knows from the history
// how little the latency persists from tick to tick needs fewer ticks.
TEST(EngineHistoryTest, TheHistoryCatchesASlowerCanarySooner) {
  const CanaryTraffic traffic = NoisyLatency(0.025);  // 25 % slower, allowed 10 %
  int ticks_to_rollback[2] = {0, 0};
  for (const int history_ticks : {0, 120}) {
    EngineHarness h(traffic);
    h.options.history_ticks = history_ticks;
    h.engine = h.MakeEngine();
    RangeQueries ranges(h, traffic);
    const std::string name = *h.Start(LatencySpec());
    const v1::Rollout done = h.RunToEnd(name);
    ASSERT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK) << done.status().reason();
    EXPECT_THAT(done.status().reason(), HasSubstr("latency"));
    EXPECT_EQ(ranges.seen().size(), history_ticks > 0 ? 1u : 0u);
    EXPECT_EQ(HistoryTicks(h, name), history_ticks);
    ticks_to_rollback[history_ticks > 0 ? 1 : 0] = done.status().ticks();
  }
  EXPECT_LT(ticks_to_rollback[1], ticks_to_rollback[0])
      << "with history " << ticks_to_rollback[1] << ", without " << ticks_to_rollback[0];
}

// A failed or empty read is no reason to stop: the rollout runs exactly as
// without a history, and says so.
TEST(EngineHistoryTest, AFailedOrEmptyHistoryIsAWarningAndTheAnalysisRunsWithoutIt) {
  const CanaryTraffic traffic = NoisyLatency(0.025);
  EngineHarness without(traffic);
  without.options.history_ticks = 0;
  without.engine = without.MakeEngine();
  const v1::Rollout expected = without.RunToEnd(*without.Start(LatencySpec()));
  ASSERT_EQ(expected.status().phase(), v1::PHASE_ROLLED_BACK);

  const struct {
    absl::StatusOr<metrics::QueryResult> answer;
    const char* warning;
  } cases[] = {
      {absl::UnavailableError("connection refused"), "connection refused"},
      {metrics::QueryResult{.type = metrics::ResultType::kMatrix}, "has no data"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.warning);
    EngineHarness h(traffic);
    RangeQueries ranges(h, traffic, c.answer);
    const std::string name = *h.Start(LatencySpec());
    const v1::Rollout done = h.RunToEnd(name);
    EXPECT_EQ(ranges.seen().size(), 1u);
    EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
    EXPECT_EQ(done.status().ticks(), expected.status().ticks());
    EXPECT_EQ(HistoryTicks(h, name), 0);
    const std::vector<std::string> warnings = Warnings(h, name);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("history"));
    EXPECT_THAT(warnings[0], HasSubstr(c.warning));
    EXPECT_THAT(warnings[0], HasSubstr("runs without it"));
  }
}

// A restart rebuilds the analysis from the stored history and ticks: the
// metrics' evidence after recovery is what it is in an engine that never
// stopped (without the history the evidence at tick 12 is 1.2, with it 3.3).
TEST(EngineHistoryTest, RecoveryRebuildsTheAnalysisWithTheStoredHistory) {
  const CanaryTraffic traffic = NoisyLatency(0.025);
  EngineHarness h(traffic);
  const std::string name = *h.Start(LatencySpec());
  h.RunUntil(name, [](const v1::Rollout& r) { return r.status().ticks() == 8; });
  h.Restart();
  ASSERT_TRUE(h.engine->Recover().ok());
  h.RunUntil(name, [](const v1::Rollout& r) { return r.status().ticks() == 12; });
  // An engine that never stopped, on the same data.
  EngineHarness reference(traffic);
  const std::string same = *reference.Start(LatencySpec());
  reference.RunUntil(same, [](const v1::Rollout& r) { return r.status().ticks() == 12; });

  const std::optional<v1::RolloutEvent> after = LastAnalysis(h, name);
  const std::optional<v1::RolloutEvent> expected = LastAnalysis(reference, same);
  ASSERT_TRUE(after.has_value() && expected.has_value());
  ASSERT_EQ(after->metrics_size(), 2);
  ASSERT_EQ(expected->metrics_size(), 2);
  for (int i = 0; i < after->metrics_size(); ++i) {
    EXPECT_EQ(after->metrics(i).DebugString(), expected->metrics(i).DebugString());
  }
}

}  // namespace
}  // namespace kanarya::engine
