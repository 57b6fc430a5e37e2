#include "cli/check_command.h"

#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"
#include "daemon/testing/canary_traffic.h"
#include "daemon/testing/fake_metric_provider.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;

const absl::Time kTickEnd = absl::FromUnixSeconds(1'780'000'000);

// Prometheus as the test spec queries it: 5 errors out of 1000 requests on
// the baseline; the canary's answers as given (empty: no series).
testing::Responder Answers(bool canary_has_data) {
  return [canary_has_data](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
    metrics::QueryResult result;
    result.type = metrics::ResultType::kVector;
    const bool canary = absl::StrContains(query.expression, "v2");
    if (canary && !canary_has_data) return result;
    const double value = absl::StartsWith(query.expression, "errors") ? 5 : 1000;
    result.series.push_back({{}, {{query.end, value}}});
    return result;
  };
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Check(testing::FakeMetricProvider* prometheus) {
  std::map<std::string, metrics::MetricProvider*> providers;
  if (prometheus != nullptr) providers["prometheus"] = prometheus;
  std::ostringstream out, err;
  const int code = RunCheck(PrintJson(testing::TestRolloutSpec()), providers, kTickEnd, out, err);
  return {code, out.str(), err.str()};
}

TEST(CheckCommandTest, ShowsWhatTheAnalysisWouldSeeForBothScopes) {
  testing::FakeMetricProvider prometheus(Answers(true));
  const Outcome outcome = Check(&prometheus);
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("errors{version=\"v1\"}"));
  EXPECT_THAT(outcome.out, HasSubstr("errors{version=\"v2\"}"));
  EXPECT_THAT(outcome.out, HasSubstr("baseline 5/1000, canary 5/1000"));
  EXPECT_EQ(prometheus.run_calls(), 1);  // one batch per provider
  EXPECT_EQ(prometheus.query_count(), 4);
}

TEST(CheckCommandTest, NoDataOnTheCanaryIsExitOne) {
  testing::FakeMetricProvider prometheus(Answers(false));
  const Outcome outcome = Check(&prometheus);
  EXPECT_EQ(outcome.code, kExitFailure);
  EXPECT_THAT(outcome.out, HasSubstr("errors  no data"));
}

TEST(CheckCommandTest, UnconfiguredProviderIsExitTwoNamingTheField) {
  const Outcome outcome = Check(nullptr);
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_THAT(outcome.err, HasSubstr("analysis.metrics[0].source.provider"));
}

}  // namespace
}  // namespace kanarya::cli
