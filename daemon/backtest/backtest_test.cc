// The backtest on scripted traffic (every range answer is what the instant
// queries at its steps get): the same run as the engine asking tick by
// tick, whatever the canary does; gates; query errors; guardrails.
#include "daemon/backtest/backtest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/backtest/backtest_test_util.h"
#include "daemon/testing/canary_traffic.h"
#include "daemon/testing/fake_metric_provider.h"

namespace kanarya::backtest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kFrom = absl::FromUnixSeconds(1'780'000'000);

BacktestOptions Options(absl::Duration length = absl::Hours(1)) {
  return {.from = kFrom, .to = kFrom + length, .now = kFrom + absl::Hours(24)};
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

TEST(BacktestTest, DecidesAsTheEngineAskingTickByTickWhateverTheCanaryDoes) {
  int rolled_back = 0;
  int promoted = 0;
  int scenario = 0;
  for (const double canary_errors : {0.01, 0.013, 0.02, 0.05}) {
    for (const bool gap : {false, true}) {
      for (const double latency : {0.1, 0.6}) {
        SCOPED_TRACE(absl::StrCat("errors ", canary_errors, ", gap ", gap, ", latency ", latency));
        testing::CanaryTraffic traffic;
        traffic.canary_error_rate = canary_errors;
        traffic.canary_latency = latency;
        traffic.latency_sd = 0.02;
        // Shifts the Poisson draws: each scenario its own traffic.
        traffic.baseline_requests = [scenario](absl::Time) { return 2000.0 + scenario; };
        if (gap) {
          traffic.canary_no_data = [](absl::Time t) {
            return t > kFrom + absl::Seconds(90) && t <= kFrom + absl::Seconds(140);
          };
        }
        v1::RolloutSpec spec = testing::TestRolloutSpec();
        testing::WithLatencyGuardrail(spec, /*failure_limit=*/3);
        testing::FakeMetricProvider prometheus(testing::MakeResponder(traffic));
        const std::map<std::string, metrics::MetricProvider*> providers = {
            {"prometheus", &prometheus}};
        const absl::StatusOr<v1::BacktestReport> backtest = RunBacktest(spec, providers, Options());
        ASSERT_TRUE(backtest.ok()) << backtest.status();
        const int range_queries = prometheus.query_count();
        const absl::StatusOr<v1::BacktestReport> live =
            RunOnVirtualClock(spec, providers, Options());
        ASSERT_TRUE(live.ok()) << live.status();
        ExpectSameRun(*backtest, *live);
        // 6 preflight queries, the latency's history, 6 ranges; live, 6 a tick.
        EXPECT_EQ(range_queries, 6 + 1 + 6);
        EXPECT_EQ(prometheus.query_count() - range_queries, 6 + 1 + 6 * backtest->ticks_size());
        rolled_back += backtest->outcome() == v1::BACKTEST_OUTCOME_ROLLED_BACK;
        promoted += backtest->outcome() == v1::BACKTEST_OUTCOME_PROMOTED;
        ++scenario;
      }
    }
  }
  // Both ways were taken, so the comparison covered both.
  EXPECT_GE(rolled_back, 4);
  EXPECT_GE(promoted, 1);
}

TEST(BacktestTest, AGateWaitsUnlessGatesAreApproved) {
  v1::RolloutSpec spec = testing::TestRolloutSpec();
  spec.mutable_steps()->mutable_steps(1)->mutable_gate()->set_manual_approval(true);
  testing::FakeMetricProvider prometheus(testing::MakeResponder({}));
  BacktestOptions options = Options();
  const absl::StatusOr<v1::BacktestReport> waiting =
      RunBacktest(spec, {{"prometheus", &prometheus}}, options);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->outcome(), v1::BACKTEST_OUTCOME_RUNNING);
  EXPECT_EQ(waiting->phase(), v1::PHASE_AWAITING_APPROVAL);
  EXPECT_THAT(waiting->reason(), HasSubstr("waits for approval"));
  EXPECT_EQ(TimeOf(waiting->outcome_time()), options.to);
  // The analysis watched all the while.
  EXPECT_EQ(waiting->ticks_size(), 360);

  options.approve_gates = true;
  const absl::StatusOr<v1::BacktestReport> approved =
      RunBacktest(spec, {{"prometheus", &prometheus}}, options);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->outcome(), v1::BACKTEST_OUTCOME_PROMOTED);
  std::vector<std::string> actions;
  for (const v1::RolloutEvent& event : approved->events()) {
    if (event.type() == v1::EVENT_TYPE_OPERATOR_ACTION) {
      actions.push_back(absl::StrCat(event.action(), " by ", event.actor()));
    }
  }
  EXPECT_THAT(actions,
              ElementsAre("CreateRollout by backtest", "ApproveRollout by backtest-approver-1"));
}

TEST(BacktestTest, QueriesTheProviderRefusesAreQueryErrorsAsLive) {
  // The canary's queries are refused (a label the canary lacks, say).
  const testing::Responder traffic = testing::MakeResponder({});
  testing::FakeMetricProvider prometheus(
      [traffic](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
        if (absl::StrContains(query.expression, "v2")) {
          return absl::InvalidArgumentError("Prometheus bad_data: parse error");
        }
        return traffic(query);
      });
  const absl::StatusOr<v1::BacktestReport> report =
      RunBacktest(testing::TestRolloutSpec(), {{"prometheus", &prometheus}}, Options());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), v1::BACKTEST_OUTCOME_ROLLED_BACK);
  EXPECT_THAT(report->metrics(), ElementsAre("errors"));
  EXPECT_THAT(report->reason(), HasSubstr("query errors: errors failed 4 ticks in a row"));
  // The fourth tick in a row with errors is more than the limit of 3.
  EXPECT_EQ(TimeOf(report->outcome_time()), kFrom + 4 * absl::Seconds(10));
  EXPECT_THAT(report->ticks(0).message(), HasSubstr("holding: query errors on errors"));
}

TEST(BacktestTest, AGuardrailBrokenTooOftenNamesItsMetric) {
  testing::CanaryTraffic traffic;
  traffic.canary_latency = 0.9;  // the guardrail's max is 0.5
  v1::RolloutSpec spec = testing::TestRolloutSpec();
  testing::WithLatencyGuardrail(spec, /*failure_limit=*/2);
  testing::FakeMetricProvider prometheus(testing::MakeResponder(traffic));
  const absl::StatusOr<v1::BacktestReport> report =
      RunBacktest(spec, {{"prometheus", &prometheus}}, Options());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), v1::BACKTEST_OUTCOME_ROLLED_BACK);
  EXPECT_THAT(report->metrics(), ElementsAre("latency"));
  EXPECT_THAT(report->reason(), HasSubstr("guardrail: latency"));
  EXPECT_EQ(TimeOf(report->outcome_time()), kFrom + 3 * absl::Seconds(10));
}

// A canary serving 30 requests a tick at the baseline's 3 % errors: two
// errors in a tick (6.7 %, about one tick in four) break a 5 % guardrail
// that judges every tick; with min_requests 100 no tick is judged, and at
// 2000 requests a tick the same guardrail still catches 8 % errors.
TEST(BacktestTest, AGuardrailJudgesOnlyTicksWithEnoughRequests) {
  const auto run = [](double canary_requests, double error_rate, int64_t min_requests) {
    testing::CanaryTraffic traffic;
    traffic.canary_requests = [canary_requests](absl::Time) { return canary_requests; };
    traffic.baseline_error_rate = error_rate;
    traffic.canary_error_rate = error_rate;
    v1::RolloutSpec spec = testing::TestRolloutSpec();
    v1::Guardrail& guardrail = *spec.mutable_analysis()->mutable_metrics(0)->mutable_guardrail();
    guardrail.set_max(0.05);
    guardrail.set_min_requests(min_requests);
    testing::FakeMetricProvider prometheus(testing::MakeResponder(traffic));
    absl::StatusOr<v1::BacktestReport> report =
        RunBacktest(spec, {{"prometheus", &prometheus}}, Options(absl::Minutes(30)));
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? report->reason() : "";
  };
  EXPECT_THAT(run(30, 0.03, 0), HasSubstr("guardrail: errors"));
  EXPECT_THAT(run(30, 0.03, 100), Not(HasSubstr("guardrail")));
  EXPECT_THAT(run(2000, 0.08, 100), HasSubstr("guardrail: errors"));
}

TEST(BacktestTest, ADryRunDecidesTheSame) {
  testing::CanaryTraffic traffic;
  traffic.canary_error_rate = 0.05;
  testing::FakeMetricProvider prometheus(testing::MakeResponder(traffic));
  v1::RolloutSpec spec = testing::TestRolloutSpec();
  const absl::StatusOr<v1::BacktestReport> acting =
      RunBacktest(spec, {{"prometheus", &prometheus}}, Options());
  spec.mutable_policy()->set_dry_run(true);
  const absl::StatusOr<v1::BacktestReport> dry =
      RunBacktest(spec, {{"prometheus", &prometheus}}, Options());
  ASSERT_TRUE(acting.ok() && dry.ok());
  EXPECT_EQ(dry->outcome(), v1::BACKTEST_OUTCOME_ROLLED_BACK);
  EXPECT_EQ(TimeOf(dry->outcome_time()), TimeOf(acting->outcome_time()));
  EXPECT_EQ(dry->ticks_size(), acting->ticks_size());
}

}  // namespace
}  // namespace kanarya::backtest
