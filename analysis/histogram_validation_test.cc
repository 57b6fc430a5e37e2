// Histogram observations in replay timelines and judge requests: the proto3
// JSON form of the issue parses, and every malformed field is named.
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "analysis/analysis_validation.h"
#include "analysis/judge_request_validation.h"

namespace kanarya::analysis {
namespace {

constexpr char kSpec[] = R"(alpha: 0.05 metrics { name: "latency" kind: METRIC_KIND_HISTOGRAM
                            direction: DIRECTION_INCREASE tolerance: 0.2 })";

v1::AnalysisSpec Spec(const std::string& text = kSpec) {
  v1::AnalysisSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

// A tick whose "latency" observation is the given proto3 JSON.
v1::Tick TickOf(const std::string& observation_json) {
  v1::Tick tick;
  const std::string json = absl::StrCat(R"({"metrics": {"latency": )", observation_json, "}}");
  const auto status = google::protobuf::util::JsonStringToMessage(json, &tick);
  EXPECT_TRUE(status.ok()) << status.message() << "\n" << json;
  return tick;
}

std::string TickError(const std::string& observation_json, const v1::AnalysisSpec& spec = Spec()) {
  return std::string(ValidateTick(TickOf(observation_json), spec, "ticks[2]").message());
}

TEST(HistogramValidation, TheIssuesJsonFormParsesWithNumbersOrStrings) {
  const v1::Tick tick = TickOf(R"({"bucketBounds": [5, 10, 25, 50, 100, 250, "Infinity"],
      "baselineBuckets": [0, 3, "12", 40, 31, 9, "1"],
      "canaryBuckets": ["0", 1, 2, 4, 3, 1, 0]})");
  EXPECT_TRUE(ValidateTick(tick, Spec(), "ticks[0]").ok());
  const v1::Observation& o = tick.metrics().at("latency");
  ASSERT_EQ(o.bucket_bounds_size(), 7);
  EXPECT_TRUE(std::isinf(o.bucket_bounds(6)));
  EXPECT_EQ(o.baseline_buckets(2), 12);
  EXPECT_EQ(o.baseline_buckets(6), 1);
  EXPECT_EQ(o.canary_buckets(4), 3);
}

TEST(HistogramValidation, MalformedLayoutsNameTheBound) {
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, 5, "Infinity"], "baselineBuckets": [1, 1, 1],
                          "canaryBuckets": [1, 1, 1]})"),
            "ticks[2].metrics[\"latency\"].bucket_bounds[1]: bounds must be strictly increasing "
            "(5 after 5)");
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, 10, 25], "baselineBuckets": [1, 1, 1],
                          "canaryBuckets": [1, 1, 1]})"),
            "ticks[2].metrics[\"latency\"].bucket_bounds[2]: the last bound must be +Inf "
            "(\"Infinity\"), got 25");
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "NaN", "Infinity"], "baselineBuckets": [1, 1, 1],
                          "canaryBuckets": [1, 1, 1]})"),
            "ticks[2].metrics[\"latency\"].bucket_bounds[1]: must be finite, within +-1e300, "
            "got nan");
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "Infinity", "Infinity"],
                          "baselineBuckets": [1, 1, 1], "canaryBuckets": [1, 1, 1]})"),
            "ticks[2].metrics[\"latency\"].bucket_bounds[1]: must be finite, within +-1e300, "
            "got inf");
  EXPECT_EQ(TickError(R"({"bucketBounds": ["Infinity"], "baselineBuckets": [1],
                          "canaryBuckets": [1]})"),
            "ticks[2].metrics[\"latency\"].bucket_bounds: must hold at least one finite bound "
            "and a last +Inf for a histogram metric, got 1 bounds");
  EXPECT_EQ(TickError("{}"),
            "ticks[2].metrics[\"latency\"].bucket_bounds: must hold at least one finite bound "
            "and a last +Inf for a histogram metric, got 0 bounds");
}

TEST(HistogramValidation, CountsMustMatchTheLayoutAndStayInRange) {
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, 10, "Infinity"], "baselineBuckets": [1, 1],
                          "canaryBuckets": [1, 1, 1]})"),
            "ticks[2].metrics[\"latency\"].baseline_buckets: must hold one count per bucket "
            "bound (3), got 2");
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, 10, "Infinity"], "baselineBuckets": [1, 1, 1],
                          "canaryBuckets": [1, -4, 1]})"),
            "ticks[2].metrics[\"latency\"].canary_buckets[1]: must be >= 0, got -4");
  // 2^52 in one bucket is fine; one more request on the side is not.
  EXPECT_TRUE(ValidateTick(TickOf(R"({"bucketBounds": [5, "Infinity"],
                                      "baselineBuckets": ["4503599627370496", 0],
                                      "canaryBuckets": [0, 0]})"),
                           Spec(), "t")
                  .ok());
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "Infinity"],
                          "baselineBuckets": ["4503599627370496", 1], "canaryBuckets": [0, 0]})"),
            "ticks[2].metrics[\"latency\"].baseline_buckets[1]: the side's counts must add up "
            "to at most 2^52 in a tick");
  // Counts near the int64 limit are refused before they are added.
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "Infinity"],
                          "baselineBuckets": ["9223372036854775807", "9223372036854775807"],
                          "canaryBuckets": [0, 0]})"),
            "ticks[2].metrics[\"latency\"].baseline_buckets[0]: the side's counts must add up "
            "to at most 2^52 in a tick");
}

TEST(HistogramValidation, FieldsOfOtherKindsAreRefused) {
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "Infinity"], "baselineBuckets": [1, 1],
                          "canaryBuckets": [1, 1], "canary": [3]})"),
            "ticks[2].metrics[\"latency\"].canary: must be empty for a histogram metric");
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "Infinity"], "baselineBuckets": [1, 1],
                          "canaryBuckets": [1, 1], "canaryTotal": "2"})"),
            "ticks[2].metrics[\"latency\"]: event counts are for count metrics; give bucket "
            "bounds and counts");
  const v1::AnalysisSpec counts = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_COUNT
                                       direction: DIRECTION_INCREASE })");
  EXPECT_EQ(TickError(R"({"bucketBounds": [5, "Infinity"], "canaryTotal": 3})", counts),
            "ticks[2].metrics[\"latency\"]: bucket bounds and counts are for histogram metrics");
  const v1::AnalysisSpec continuous = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
              direction: DIRECTION_INCREASE })");
  EXPECT_EQ(TickError(R"({"canary": [3], "canaryBuckets": [1]})", continuous),
            "ticks[2].metrics[\"latency\"]: bucket bounds and counts are for histogram metrics");
}

TEST(HistogramValidation, TheSpecAsksForIncreasesAndAShareAsAbsoluteTolerance) {
  EXPECT_EQ(ValidateAnalysisSpec(Spec(R"(metrics { name: "latency" kind: METRIC_KIND_HISTOGRAM
                                         direction: DIRECTION_EITHER })"),
                                 "analysis")
                .message(),
            "analysis.metrics[0].direction: must be DIRECTION_INCREASE for a histogram metric: "
            "it tests for more requests above the bucket bounds");
  EXPECT_EQ(ValidateAnalysisSpec(Spec(R"(metrics { name: "latency" kind: METRIC_KIND_HISTOGRAM
                                         direction: DIRECTION_INCREASE absolute_tolerance: 5 })"),
                                 "analysis")
                .message(),
            "analysis.metrics[0].absolute_tolerance: is a share of requests for a histogram "
            "metric: must be in [0, 1], got 5");
  EXPECT_TRUE(ValidateAnalysisSpec(Spec(), "analysis").ok());
}

// 1025 ticks of 2^52 requests on the baseline: the running total passes
// 2^62 at the 1025th (1025 x 2^52 = 4616189618054758400).
TEST(HistogramValidation, RunningRequestsBeyondTwoToTheSixtyTwoAreRejected) {
  google::protobuf::RepeatedPtrField<v1::Tick> ticks;
  for (int t = 0; t < 1100; ++t) {
    *ticks.Add() = TickOf(R"({"bucketBounds": [5, "Infinity"],
                              "baselineBuckets": ["2251799813685248", "2251799813685248"],
                              "canaryBuckets": [1, 0]})");
  }
  EXPECT_EQ(ValidateTimeline(ticks, Spec(), "ticks").message(),
            "ticks[1024].metrics[\"latency\"].baseline_buckets: cumulative total exceeds 2^62 "
            "(4616189618054758400) over the timeline so far");
}

v1::JudgeRequest JudgeOf(const std::string& metric_json) {
  v1::JudgeRequest request;
  const std::string json = absl::StrCat(R"({"metrics": [)", metric_json, "]}");
  const auto status = google::protobuf::util::JsonStringToMessage(json, &request);
  EXPECT_TRUE(status.ok()) << status.message() << "\n" << json;
  return request;
}

TEST(HistogramValidation, JudgeRequestsTakeTheSameFormAndChecks) {
  EXPECT_TRUE(ValidateJudgeRequest(JudgeOf(R"({"name": "latency", "kind": "METRIC_KIND_HISTOGRAM",
      "direction": "DIRECTION_INCREASE", "bucketBounds": [10, 100, "Infinity"],
      "baselineBuckets": ["40", 50, 10], "canaryBuckets": [4, 5, "1"]})"))
                  .ok());
  EXPECT_EQ(ValidateJudgeRequest(JudgeOf(R"({"name": "latency", "kind": "METRIC_KIND_HISTOGRAM",
      "direction": "DIRECTION_INCREASE", "bucketBounds": [100, 10, "Infinity"],
      "baselineBuckets": [40, 50, 10], "canaryBuckets": [4, 5, 1]})"))
                .message(),
            "metrics[0].bucket_bounds[1]: bounds must be strictly increasing (10 after 100)");
  EXPECT_EQ(ValidateJudgeRequest(JudgeOf(R"({"name": "latency", "kind": "METRIC_KIND_HISTOGRAM",
      "direction": "DIRECTION_INCREASE", "bucketBounds": [10, "Infinity"],
      "baselineBuckets": [40, 50], "canaryBuckets": [4, 5], "baseline": [1]})"))
                .message(),
            "metrics[0].baseline: must be empty for a METRIC_KIND_HISTOGRAM metric");
  EXPECT_EQ(ValidateJudgeRequest(JudgeOf(R"({"name": "latency", "kind": "METRIC_KIND_HISTOGRAM",
      "direction": "DIRECTION_DECREASE", "bucketBounds": [10, "Infinity"],
      "baselineBuckets": [40, 50], "canaryBuckets": [4, 5]})"))
                .message(),
            "metrics[0].direction: must be DIRECTION_INCREASE for a histogram metric: it tests "
            "for more requests above the bucket bounds");
  EXPECT_EQ(ValidateJudgeRequest(JudgeOf(R"({"name": "errors", "kind": "METRIC_KIND_COUNT",
      "direction": "DIRECTION_INCREASE", "canaryTotal": 10, "baselineTotal": 10,
      "bucketBounds": [10, "Infinity"]})"))
                .message(),
            "metrics[0]: bucket bounds and counts must be unset for a METRIC_KIND_COUNT metric");
}

}  // namespace
}  // namespace kanarya::analysis
