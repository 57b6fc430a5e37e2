// The judge end to end: validation errors name the field, and the step verdict
// follows the documented scoring rules.
#include "analysis/judge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "analysis/testing/requests.h"

namespace kanarya::analysis {
namespace {

using ::testing::HasSubstr;
using testing::Request;

// Metrics whose classification is known: PASS, HIGH, NODATA, INCONCLUSIVE.
constexpr char kPassing[] =
    R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE tolerance: 0.2
       baseline_events: 5000 baseline_total: 1000000 canary_events: 500 canary_total: 100000)";
constexpr char kRegressed[] =
    R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE tolerance: 0.2
       baseline_events: 500 baseline_total: 100000 canary_events: 100 canary_total: 10000)";
constexpr char kNoData[] =
    R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE
       baseline_events: 5 baseline_total: 1000 canary_total: 0)";
constexpr char kInconclusive[] =
    R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE tolerance: 0.2
       baseline_events: 50 baseline_total: 10000 canary_events: 1 canary_total: 100)";

std::string Metric(const std::string& name, const std::string& body,
                   const std::string& extra = "") {
  return "metrics { name: '" + name + "' " + body + " " + extra + " }\n";
}

v1::JudgeResponse MustJudge(const std::string& text) {
  absl::StatusOr<v1::JudgeResponse> response = Judge(Request(text));
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : v1::JudgeResponse();
}

TEST(StepVerdict, AllPassingIsPass) {
  const auto r = MustJudge(Metric("a", kPassing) + Metric("b", kPassing));
  EXPECT_EQ(r.verdict(), v1::VERDICT_PASS);
  EXPECT_EQ(r.score(), 100.0);
  EXPECT_EQ(r.confidence_level(), 0.95);
}

TEST(StepVerdict, CriticalRegressionFailsWhateverTheScore) {
  std::string text;
  for (int i = 0; i < 9; ++i) text += Metric("ok" + std::to_string(i), kPassing);
  text += Metric("errors", kRegressed, "critical: true");
  const auto r = MustJudge(text);
  EXPECT_EQ(r.verdict(), v1::VERDICT_FAIL);
  EXPECT_DOUBLE_EQ(r.score(), 90.0);
  EXPECT_THAT(r.reason(), HasSubstr("errors"));
}

TEST(StepVerdict, NoDataCountsAsNotPassedAndNeverAsHundred) {
  // Kayenta scored an all-NoData group as 100; here it lowers the score and
  // leaves the verdict open.
  const auto r =
      MustJudge(Metric("a", kPassing, "group: 'g1'") + Metric("b", kNoData, "group: 'g2'") +
                "group_weights { key: 'g1' value: 1 } group_weights { key: 'g2' value: 1 }");
  EXPECT_DOUBLE_EQ(r.score(), 50.0);
  EXPECT_DOUBLE_EQ(r.score_ceiling(), 100.0);
  EXPECT_EQ(r.verdict(), v1::VERDICT_INCONCLUSIVE);
}

TEST(StepVerdict, AllNoDataIsInconclusiveNotPass) {
  const auto r = MustJudge(Metric("a", kNoData) + Metric("b", kNoData));
  EXPECT_EQ(r.verdict(), v1::VERDICT_INCONCLUSIVE);
  EXPECT_EQ(r.score(), 0.0);
}

TEST(StepVerdict, CriticalMetricWithoutDataBlocksPass) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += Metric("ok" + std::to_string(i), kPassing);
  text += Metric("errors", kNoData, "critical: true");
  const auto r = MustJudge(text);
  EXPECT_GT(r.score(), 95.0);
  EXPECT_EQ(r.verdict(), v1::VERDICT_INCONCLUSIVE);
  EXPECT_THAT(r.reason(), HasSubstr("errors"));
}

TEST(StepVerdict, GroupWeightsScaleTheScore) {
  const auto r = MustJudge(Metric("a", kPassing, "group: 'errors'") +
                           Metric("b", kRegressed, "group: 'latency'") +
                           "group_weights { key: 'errors' value: 80 }"
                           "group_weights { key: 'latency' value: 20 }");
  EXPECT_DOUBLE_EQ(r.score(), 80.0);
  EXPECT_EQ(r.verdict(), v1::VERDICT_MARGINAL);
}

TEST(StepVerdict, MetricWeightsWithinAGroup) {
  const auto r = MustJudge(Metric("a", kPassing, "weight: 3") + Metric("b", kRegressed) +
                           "pass_threshold: 70 marginal_threshold: 50");
  EXPECT_DOUBLE_EQ(r.score(), 75.0);
  EXPECT_EQ(r.verdict(), v1::VERDICT_PASS);
}

TEST(StepVerdict, ScoreBelowMarginalEvenIfUndecidedPassIsFail) {
  const auto r = MustJudge(Metric("a", kRegressed) + Metric("b", kRegressed) +
                           Metric("c", kInconclusive) + Metric("d", kPassing));
  EXPECT_DOUBLE_EQ(r.score(), 25.0);
  EXPECT_DOUBLE_EQ(r.score_ceiling(), 50.0);
  EXPECT_EQ(r.verdict(), v1::VERDICT_FAIL);
}

TEST(StepVerdict, InconclusiveMetricsKeepTheVerdictOpen) {
  const auto r = MustJudge(Metric("a", kInconclusive) + Metric("b", kPassing));
  EXPECT_EQ(r.verdict(), v1::VERDICT_INCONCLUSIVE);
}

TEST(StepVerdict, SameRequestGivesTheSameResponse) {
  const std::string text = Metric("a", kRegressed) + Metric("b", kPassing) +
                           Metric("c", R"(kind: METRIC_KIND_CONTINUOUS direction: DIRECTION_EITHER
                                         baseline: [1, 2, 3, 4, 5] canary: [2, 3, 4, 5, 6])");
  EXPECT_EQ(MustJudge(text).SerializeAsString(), MustJudge(text).SerializeAsString());
}

// The samples as a text-format list: "[1.5, 2.25, ...]".
std::string List(const std::vector<double>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    text += (i ? ", " : "") + absl::StrFormat("%.17g", values[i]);
  }
  return text + "]";
}

std::vector<double> NormalSample(uint64_t seed, size_t n, double mean, double sd) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

std::string Latency(const std::vector<double>& baseline, const std::vector<double>& canary,
                    const std::string& extra = "") {
  return Metric("latency",
                "kind: METRIC_KIND_CONTINUOUS direction: DIRECTION_INCREASE baseline: " +
                    List(baseline) + " canary: " + List(canary),
                extra);
}

TEST(Defaults, IdenticalFortyPointSamplesPassWithoutATolerance) {
  const std::vector<double> sample = NormalSample(11, 40, 250.0, 25.0);
  const auto r = MustJudge(Latency(sample, sample));
  EXPECT_EQ(r.verdict(), v1::VERDICT_PASS) << r.reason() << "; " << r.metrics(0).reason();
  EXPECT_EQ(r.score(), 100.0);
  EXPECT_DOUBLE_EQ(r.metrics(0).allowed_change(), 0.1 * r.metrics(0).baseline_level());
  EXPECT_THAT(r.metrics(0).reason(), HasSubstr("default tolerance 10%"));
}

TEST(Defaults, ExplicitZeroToleranceAllowsNoChange) {
  const std::vector<double> sample = NormalSample(11, 40, 250.0, 25.0);
  const auto r = MustJudge(Latency(sample, sample, "tolerance: 0"));
  EXPECT_EQ(r.metrics(0).classification(), v1::CLASSIFICATION_INCONCLUSIVE);
  EXPECT_EQ(r.metrics(0).allowed_change(), 0.0);
  EXPECT_EQ(r.verdict(), v1::VERDICT_INCONCLUSIVE);
}

TEST(Defaults, AnAbsoluteToleranceAloneReplacesTheDefault) {
  const std::vector<double> sample = NormalSample(11, 40, 250.0, 25.0);
  const auto r = MustJudge(Latency(sample, sample, "absolute_tolerance: 2"));
  EXPECT_EQ(r.metrics(0).allowed_change(), 2.0);
  EXPECT_EQ(r.metrics(0).classification(), v1::CLASSIFICATION_INCONCLUSIVE);
}

TEST(Defaults, RealRegressionsStillFail) {
  // +30 % latency on 40 points a side.
  const auto latency =
      MustJudge(Latency(NormalSample(12, 40, 250.0, 25.0), NormalSample(13, 40, 325.0, 25.0)));
  EXPECT_EQ(latency.metrics(0).classification(), v1::CLASSIFICATION_HIGH);
  EXPECT_EQ(latency.verdict(), v1::VERDICT_FAIL);
  // 0.5 % -> 1 % errors with 10 % of the traffic.
  const auto errors = MustJudge(Metric("errors", R"(kind: METRIC_KIND_COUNT
      direction: DIRECTION_INCREASE baseline_events: 1000 baseline_total: 200000
      canary_events: 200 canary_total: 20000)"));
  EXPECT_EQ(errors.metrics(0).classification(), v1::CLASSIFICATION_HIGH);
  EXPECT_EQ(errors.verdict(), v1::VERDICT_FAIL);
}

TEST(Defaults, EqualErrorRatesPassWithTheCountDefault) {
  const auto r = MustJudge(Metric("errors", R"(kind: METRIC_KIND_COUNT
      direction: DIRECTION_INCREASE baseline_events: 2000 baseline_total: 400000
      canary_events: 200 canary_total: 40000)"));
  EXPECT_EQ(r.metrics(0).classification(), v1::CLASSIFICATION_PASS) << r.metrics(0).reason();
  EXPECT_DOUBLE_EQ(r.metrics(0).allowed_change(), 1.2);
  EXPECT_EQ(r.verdict(), v1::VERDICT_PASS);
}

struct InvalidCase {
  std::string request;
  std::string message;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.message; }

// Test names from the expected message's field path: "metrics_2__canary_total".
std::string CaseName(const ::testing::TestParamInfo<InvalidCase>& info) {
  std::string name = info.param.message.substr(0, info.param.message.find(':'));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name + "_" + std::to_string(info.index);
}

class Validation : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(Validation, NamesTheFieldAndTheReason) {
  const absl::StatusOr<v1::JudgeResponse> response = Judge(Request(GetParam().request));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(response.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    BadRequests, Validation,
    ::testing::Values(
        InvalidCase{"", "metrics: must not be empty"},
        InvalidCase{"confidence_level: 1.5 " + Metric("a", kPassing),
                    "confidence_level: must be in (0, 1), got 1.5"},
        InvalidCase{"confidence_level: nan " + Metric("a", kPassing),
                    "confidence_level: must be in (0, 1), got nan"},
        InvalidCase{Metric("a", kPassing) + Metric("b", kPassing) +
                        Metric("c", R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE
                                      canary_events: 15 canary_total: 12)"),
                    "metrics[2].canary_total: must be >= canary_events (12 < 15)"},
        InvalidCase{Metric("a", R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE
                                  baseline_events: 3 baseline_total: 2 canary_total: 1)"),
                    "metrics[0].baseline_total: must be >= baseline_events (2 < 3)"},
        InvalidCase{Metric("a", R"(kind: METRIC_KIND_COUNT direction: DIRECTION_INCREASE
                                  baseline_events: -1 baseline_total: 2 canary_total: 1)"),
                    "metrics[0].baseline_events: must be >= 0, got -1"},
        InvalidCase{Metric("", kPassing), "metrics[0].name: must not be empty"},
        InvalidCase{Metric("a", kPassing) + Metric("a", kPassing),
                    "metrics[1].name: duplicate metric name \"a\""},
        InvalidCase{Metric("a", "direction: DIRECTION_INCREASE"),
                    "metrics[0].kind: must be METRIC_KIND_CONTINUOUS, METRIC_KIND_COUNT or "
                    "METRIC_KIND_HISTOGRAM"},
        InvalidCase{Metric("a", "kind: METRIC_KIND_CONTINUOUS baseline: 1 canary: 1"),
                    "metrics[0].direction: must be DIRECTION_INCREASE, DIRECTION_DECREASE or "
                    "DIRECTION_EITHER"},
        InvalidCase{Metric("a", kNoData, "tolerance: -0.1"),
                    "metrics[0].tolerance: must be a finite number >= 0, got -0.1"},
        InvalidCase{Metric("a", kPassing, "absolute_tolerance: inf"),
                    "metrics[0].absolute_tolerance: must be a finite number >= 0, got inf"},
        InvalidCase{Metric("a", kPassing, "weight: -1"),
                    "metrics[0].weight: must be a finite number >= 0, got -1"},
        InvalidCase{Metric("a", kPassing, "weight: 0"),
                    "metrics: at least one metric must have weight > 0"},
        InvalidCase{Metric("a", kPassing, "baseline: 1"),
                    "metrics[0].baseline: must be empty for a METRIC_KIND_COUNT metric"},
        InvalidCase{Metric("a",
                           "kind: METRIC_KIND_CONTINUOUS direction: DIRECTION_INCREASE "
                           "canary_total: 5"),
                    "metrics[0].canary_total: must be unset for a METRIC_KIND_CONTINUOUS metric"},
        InvalidCase{Metric("a", kPassing, "group: 'x'") + "group_weights { key: 'y' value: 1 }",
                    "metrics[0].group: \"x\" has no entry in group_weights"},
        InvalidCase{Metric("a", kPassing) + "group_weights { key: 'default' value: 0 }",
                    "group_weights[\"default\"]: must be in (0, 1e6], got 0"},
        InvalidCase{Metric("a", kPassing) + "group_weights { key: 'default' value: 1.7e308 }",
                    "group_weights[\"default\"]: must be in (0, 1e6], got 1.7e+308"},
        InvalidCase{
            Metric("a", kPassing, "weight: 1.7e308") + Metric("b", kPassing, "weight: 1.7e308"),
            "metrics[0].weight: must be <= 1e6, got 1.7e+308"},
        InvalidCase{Metric("a",
                           "kind: METRIC_KIND_CONTINUOUS direction: DIRECTION_INCREASE "
                           "baseline: [1, 2] canary: [3, -2e305]"),
                    "metrics[0].canary[1]: finite samples must lie within +-1e300, got -2e+305"},
        InvalidCase{Metric("a", kPassing) + "pass_threshold: 120",
                    "pass_threshold: must be in [0, 100], got 120"},
        InvalidCase{Metric("a", kPassing) + "pass_threshold: 60",
                    "marginal_threshold: must be <= pass_threshold (75 > 60)"}),
    CaseName);

}  // namespace
}  // namespace kanarya::analysis
