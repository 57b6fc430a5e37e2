#include "cli/replay_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/exit_codes.h"
#include "cli/message_io.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/testing/canary_traffic.h"
#include "daemon/testing/fake_metric_provider.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'780'000'000);

TEST(ParseTimeFlagTest, AcceptsNowTimesAgoAndRfc3339) {
  const absl::Time now = kNow + absl::Milliseconds(700);  // truncated to the second
  const struct {
    const char* text;
    absl::Time expected;
  } cases[] = {
      {"now", kNow},
      {"-2h", kNow - absl::Hours(2)},
      {"-90m", kNow - absl::Minutes(90)},
      {"-1d", kNow - absl::Hours(24)},
      {"now-1d12h", kNow - absl::Hours(36)},
      {"-1h30m15s", kNow - absl::Seconds(5415)},
      {"2026-05-28T20:26:40Z", absl::FromUnixSeconds(1'780'000'000)},
      {"2026-05-28T22:26:40+02:00", absl::FromUnixSeconds(1'780'000'000)},
      {"2026-05-28T20:26:40.9Z", absl::FromUnixSeconds(1'780'000'000)},
  };
  for (const auto& c : cases) {
    const absl::StatusOr<absl::Time> parsed = ParseTimeFlag("--from", c.text, now);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status();
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(ParseTimeFlagTest, RefusesAnythingElseNamingTheFlag) {
  for (const char* text : {"", "yesterday", "2h", "-", "-h", "now+1h", "now-", "-1x", "-d", "-inf",
                           "2026-05-28", "2026-05-28 20:26:40", "-1d-2h"}) {
    const absl::StatusOr<absl::Time> parsed = ParseTimeFlag("--to", text, kNow);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr("--to: must be now, a time ago")) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(absl::StrCat("got \"", text, "\"")));
  }
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Backtest(metrics::MetricProvider& prometheus, const BacktestFlags& flags,
                 const v1::RolloutSpec& spec = testing::TestRolloutSpec()) {
  std::ostringstream out, err;
  const int code =
      RunBacktestCommand(PrintJson(spec), flags, {{"prometheus", &prometheus}}, kNow, out, err);
  return {code, out.str(), err.str()};
}

testing::FakeMetricProvider Traffic(double canary_error_rate) {
  testing::CanaryTraffic traffic;
  traffic.canary_error_rate = canary_error_rate;
  return testing::FakeMetricProvider(testing::MakeResponder(traffic));
}

TEST(ReplaySpecCommandTest, PrintsTheTimelineAndTheDecisionWithTheCaveat) {
  testing::FakeMetricProvider prometheus = Traffic(0.05);  // 5x the baseline's errors
  const Outcome outcome = Backtest(prometheus, {.from = "-2h", .to = "-1h"});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_THAT(outcome.out,
              HasSubstr("Backtest of shop/reviews revision v2 from "
                        "2026-05-28T18:26:40+00:00 to 2026-05-28T19:26:40+00:00, ticks of 10s"));
  EXPECT_THAT(outcome.out, HasSubstr("Note: traffic weights do not change the recorded history"));
  EXPECT_THAT(outcome.out,
              HasSubstr("2026-05-28T18:26:50+00:00  1     10      PROGRESSING  errors"));
  EXPECT_THAT(outcome.out, HasSubstr("Decision: rolled back at 2026-05-28T18:2"));
  EXPECT_THAT(outcome.out, HasSubstr("because errors: regression"));
  // One range query per side and count, over the hour's 360 ticks.
  EXPECT_EQ(prometheus.query_count(), 4 + 4);
}

TEST(ReplaySpecCommandTest, JsonIsTheReportMessage) {
  testing::FakeMetricProvider prometheus = Traffic(0.01);
  const Outcome outcome =
      Backtest(prometheus, {.from = "-2h", .to = "-1h", .output = OutputFormat::kJson});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  const nlohmann::json report = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(report["outcome"], "BACKTEST_OUTCOME_PROMOTED");
  EXPECT_EQ(report["fromTime"], "2026-05-28T18:26:40Z");
  EXPECT_EQ(report["queriesSent"], 8);
  EXPECT_FALSE(report["ticks"].empty());
  EXPECT_EQ(report["ticks"][0]["canaryWeight"], 10);
}

TEST(ReplaySpecCommandTest, ABadTimeRangeIsExitTwoNamingTheFlag) {
  testing::FakeMetricProvider prometheus = Traffic(0.01);
  const struct {
    BacktestFlags flags;
    const char* message;
  } cases[] = {
      {{.from = "last tuesday"}, "--from: must be now, a time ago"},
      {{.from = "-1h", .to = "soon"}, "--to: must be now, a time ago"},
      {{.from = "-1h", .to = "-2h"}, "--to: must be later than --from"},
      {{.from = "-1h", .to = "-1h"}, "--to: must be later than --from"},
      {{.from = "-1h", .to = "2030-01-01T00:00:00Z"},
       "--to: 2030-01-01T00:00:00+00:00 is in the future"},
      {{.from = "-10d", .to = "now"}, "--to: 240h from --from is 86400 ticks of 10s, more than"},
  };
  for (const auto& c : cases) {
    const Outcome outcome = Backtest(prometheus, c.flags);
    EXPECT_EQ(outcome.code, kExitUsage) << c.message;
    EXPECT_THAT(outcome.err, HasSubstr(absl::StrCat("kanaryactl replay: ", c.message)));
  }
  EXPECT_EQ(prometheus.query_count(), 0);  // nothing was asked
}

TEST(ReplaySpecCommandTest, ABadSpecIsExitTwoNamingTheField) {
  testing::FakeMetricProvider prometheus = Traffic(0.01);
  v1::RolloutSpec spec = testing::TestRolloutSpec();
  spec.mutable_analysis()->mutable_metrics(0)->mutable_source()->set_provider("thanos");
  const Outcome outcome = Backtest(prometheus, {.from = "-2h", .to = "-1h"}, spec);
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_THAT(outcome.err, HasSubstr("analysis.metrics[0].source.provider"));

  std::ostringstream out, err;
  EXPECT_EQ(RunBacktestCommand("steps: [", {.from = "-2h"}, {}, kNow, out, err), kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("kanaryactl replay: --spec: "));
}

TEST(ReplaySpecCommandTest, PrometheusDownIsExitFour) {
  metrics::PrometheusProvider down(absl::StrCat("http://127.0.0.1:", lab::FreeLoopbackPort()),
                                   {.max_attempts = 2});
  const Outcome outcome = Backtest(down, {.from = "-2h", .to = "-1h"});
  EXPECT_EQ(outcome.code, kExitUnreachable);
  EXPECT_THAT(outcome.err, HasSubstr("kanaryactl replay: provider \"prometheus\": "));
  EXPECT_TRUE(outcome.out.empty());
}

}  // namespace
}  // namespace kanarya::cli
