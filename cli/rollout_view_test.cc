// What `describe` and `replay --spec` print of histogram metrics: each
// side's p50, p90 and p99 with their intervals, from the last analysed tick.
#include "cli/rollout_view.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cli/backtest_view.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// A latency histogram's result with two quantiles and an error count's
// without any.
constexpr char kMetrics[] = R"(
  metrics { name: "errors" state: METRIC_STATE_UNDECIDED }
  metrics { name: "latency" state: METRIC_STATE_REGRESSION
    quantiles { quantile: 0.5 canary: 147 canary_lower: 124.6 canary_upper: 171.6
                baseline: 104.3 baseline_lower: 97.92 baseline_upper: 114.3 }
    quantiles { quantile: 0.99 canary: 250 canary_lower: 231.5 canary_upper: inf
                baseline: 241 baseline_lower: 236.1 baseline_upper: 250 } })";

TEST(RolloutView, QuantilesAreOneRowPerQuantileWithBothIntervals) {
  const auto event = Parse<v1::RolloutEvent>(kMetrics);
  std::ostringstream out;
  PrintQuantiles(event.metrics(), out);
  EXPECT_EQ(out.str(),
            "METRIC   QUANTILE  CANARY [95% INTERVAL]  BASELINE [95% INTERVAL]\n"
            "latency  p50       147 [124.6, 171.6]     104.3 [97.92, 114.3]\n"
            "latency  p99       250 [231.5, inf]       241 [236.1, 250]\n");
  std::ostringstream none;
  PrintQuantiles(Parse<v1::RolloutEvent>(R"(metrics { name: "errors" })").metrics(), none);
  EXPECT_EQ(none.str(), "");
}

TEST(RolloutView, DescribeShowsTheLastAnalysedTicksQuantiles) {
  auto response = Parse<v1::GetRolloutResponse>(R"(
    rollout { name: "checkout" status { phase: PHASE_ROLLING_BACK } }
    events { type: EVENT_TYPE_ANALYSIS time { seconds: 1795720980 }
      metrics { name: "latency" quantiles { quantile: 0.5 canary: 1 baseline: 1 } } })");
  *response.add_events() = Parse<v1::RolloutEvent>(
      std::string("type: EVENT_TYPE_ANALYSIS time { seconds: 1795720995 }") + kMetrics);
  std::ostringstream out;
  PrintDescription(response, absl::FromUnixSeconds(1795721000), out);
  EXPECT_THAT(out.str(), HasSubstr("Histogram quantiles at 2026-11-26T19:23:15+00:00:\n"));
  EXPECT_THAT(out.str(), HasSubstr("latency  p50       147 [124.6, 171.6]     104.3 [97.92, "
                                   "114.3]\n"));
  EXPECT_THAT(out.str(), HasSubstr("latency  p99       250 [231.5, inf]       241 [236.1, 250]"));
  EXPECT_THAT(out.str(), Not(HasSubstr("2026-11-26T19:23:00+00:00:")));  // only the last tick's
}

TEST(RolloutView, DescribeWithoutHistogramsHasNoQuantiles) {
  const auto response = Parse<v1::GetRolloutResponse>(R"(
    rollout { name: "checkout" }
    events { type: EVENT_TYPE_ANALYSIS metrics { name: "errors" } })");
  std::ostringstream out;
  PrintDescription(response, absl::FromUnixSeconds(1795721000), out);
  EXPECT_THAT(out.str(), Not(HasSubstr("quantiles")));
}

TEST(BacktestView, TheReportShowsTheLastTicksQuantiles) {
  auto report = Parse<v1::BacktestReport>(R"(
    namespace: "shop" virtual_service: "reviews" revision: "v2"
    outcome: BACKTEST_OUTCOME_ROLLED_BACK)");
  *report.add_ticks() =
      Parse<v1::BacktestTick>(std::string("time { seconds: 1795720995 }") + kMetrics);
  std::ostringstream out;
  PrintBacktest(report, out);
  EXPECT_THAT(out.str(), HasSubstr("Histogram quantiles at 2026-11-26T19:23:15+00:00:\n"));
  EXPECT_THAT(out.str(), HasSubstr("latency  p99       250 [231.5, inf]       241 [236.1, 250]"));
}

}  // namespace
}  // namespace kanarya::cli
