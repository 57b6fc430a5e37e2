#include "cli/message_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "kanarya/v1/judge.pb.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseDocument, JsonWithBothFieldSpellingsAndSpecialDoubles) {
  v1::JudgeRequest request;
  ASSERT_TRUE(ParseDocument(R"({"confidenceLevel": 0.9, "metrics": [
      {"name": "lat", "kind": "METRIC_KIND_CONTINUOUS", "direction": "DIRECTION_INCREASE",
       "baseline": [1.5, "NaN", "Infinity"], "canary": ["-Infinity", 2e3]},
      {"name": "err", "kind": "METRIC_KIND_COUNT", "direction": "DIRECTION_INCREASE",
       "baseline_events": "4", "baselineTotal": 1012, "canary_events": 1, "canaryTotal": 97}]})",
                            request)
                  .ok());
  EXPECT_EQ(request.confidence_level(), 0.9);
  ASSERT_EQ(request.metrics_size(), 2);
  EXPECT_TRUE(std::isnan(request.metrics(0).baseline(1)));
  EXPECT_TRUE(std::isinf(request.metrics(0).baseline(2)));
  EXPECT_EQ(request.metrics(0).canary(1), 2000.0);
  EXPECT_EQ(request.metrics(1).baseline_events(), 4);
  EXPECT_EQ(request.metrics(1).canary_total(), 97);
}

TEST(ParseDocument, YamlWithSpecialFloatsQuotedNamesAndBooleans) {
  v1::JudgeRequest request;
  const absl::Status status = ParseDocument(R"(
confidence_level: 0.99
metrics:
  - name: "123"
    kind: METRIC_KIND_CONTINUOUS
    direction: DIRECTION_EITHER
    critical: true
    baseline: [1, .nan, .inf, -.Inf, 2.5e-3]
    canary: [NaN, 3]
    weight: 0
)",
                                            request);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(request.confidence_level(), 0.99);
  const auto& metric = request.metrics(0);
  EXPECT_EQ(metric.name(), "123");
  EXPECT_TRUE(metric.critical());
  EXPECT_TRUE(metric.has_weight());
  EXPECT_TRUE(std::isnan(metric.baseline(1)));
  EXPECT_EQ(metric.baseline(2), INFINITY);
  EXPECT_EQ(metric.baseline(3), -INFINITY);
  EXPECT_EQ(metric.baseline(4), 0.0025);
  EXPECT_TRUE(std::isnan(metric.canary(0)));
}

TEST(ParseDocument, UnknownFieldIsAnError) {
  v1::JudgeRequest request;
  const absl::Status status = ParseDocument(R"({"metrics": [{"nmae": "x"}]})", request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("nmae"));
}

TEST(ParseDocument, WrongTypeNamesTheField) {
  v1::JudgeRequest request;
  const absl::Status status = ParseDocument(R"({"metrics": [{"canary_total": "many"}]})", request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("canary_total"));
}

TEST(ParseDocument, MalformedDocumentsAreInvalidArgument) {
  v1::JudgeRequest request;
  EXPECT_EQ(ParseDocument("{\"metrics\": [", request).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ParseDocument("metrics: [1, 2", request).message(), HasSubstr("invalid YAML"));
  EXPECT_THAT(ParseDocument("- just\n- a list\n", request).message(),
              HasSubstr("must be a mapping"));
  EXPECT_THAT(ParseDocument("", request).message(), HasSubstr("must be a mapping"));
}

TEST(PrintJson, PrintsDefaultsWithCanonicalFieldNames) {
  v1::MetricResult result;
  result.set_name("x");
  result.set_p_value(NAN);
  const std::string json = PrintJson(result);
  EXPECT_THAT(json, HasSubstr("\"hodgesLehmann\": 0"));
  EXPECT_THAT(json, HasSubstr("\"classification\": \"CLASSIFICATION_UNSPECIFIED\""));
  EXPECT_THAT(json, HasSubstr("\"pValue\": \"NaN\""));
  EXPECT_THAT(json, Not(HasSubstr("p_value")));
  EXPECT_THAT(json, Not(HasSubstr("hodges_lehmann")));
}

TEST(PrintJson, Int64FieldsAreStringsAndTheOutputParsesBack) {
  v1::MetricInput input;
  input.set_name("errors");
  input.set_canary_events(int64_t{1} << 40);
  const std::string json = PrintJson(input);
  EXPECT_THAT(json, HasSubstr("\"canaryEvents\": \"1099511627776\""));
  v1::MetricInput parsed;
  ASSERT_TRUE(ParseDocument(json, parsed).ok());
  EXPECT_EQ(parsed.canary_events(), int64_t{1} << 40);
  EXPECT_EQ(parsed.name(), "errors");
}

TEST(ReadInput, MissingFileIsNotFound) {
  EXPECT_EQ(ReadInput("/nonexistent/kanarya.yaml").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace kanarya::cli
