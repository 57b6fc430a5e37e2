#include "daemon/metrics/prometheus_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace kanarya::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;

TEST(PrometheusResponse, MatrixWithSpecialValuesLabelsAndWarnings) {
  const auto result = ParsePrometheusResponse(R"({"status":"success","data":{"resultType":"matrix",
    "result":[{"metric":{"version":"canary","__name__":"up"},
               "values":[[1700000000,"1"],[1700000015.5,"NaN"],[1700000030,"+Inf"],
                         [1700000045,"-Inf"],[1700000060,"1.5e-3"]]}]},
    "warnings":["PromQL info: metric might not be a counter"]})",
                                              200);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->type, ResultType::kMatrix);
  ASSERT_EQ(result->series.size(), 1u);
  const Series& s = result->series[0];
  EXPECT_THAT(s.labels, ::testing::ElementsAre(Pair("__name__", "up"), Pair("version", "canary")));
  ASSERT_EQ(s.samples.size(), 5u);
  EXPECT_EQ(s.samples[0].time, absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(s.samples[1].time, absl::FromUnixMillis(1700000015500));
  EXPECT_TRUE(std::isnan(s.samples[1].value));
  EXPECT_EQ(s.samples[2].value, INFINITY);
  EXPECT_EQ(s.samples[3].value, -INFINITY);
  EXPECT_EQ(s.samples[4].value, 1.5e-3);
  EXPECT_THAT(result->warnings, ::testing::ElementsAre(HasSubstr("might not be a counter")));
}

TEST(PrometheusResponse, VectorScalarAndEmptyResults) {
  auto vector = ParsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"vector","result":[
         {"metric":{"a":"1"},"value":[1.5,"2"]},{"metric":{},"value":[1.5,"3"]}]}})",
      200);
  ASSERT_TRUE(vector.ok()) << vector.status();
  EXPECT_EQ(vector->type, ResultType::kVector);
  ASSERT_EQ(vector->series.size(), 2u);
  EXPECT_EQ(vector->series[1].samples[0].value, 3.0);

  // Result before resultType: the shape decides.
  auto scalar = ParsePrometheusResponse(
      R"({"data":{"result":[1700000000.123,"42"],"resultType":"scalar"},"status":"success"})", 200);
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_EQ(scalar->type, ResultType::kScalar);
  EXPECT_EQ(scalar->series[0].samples[0].value, 42.0);
  EXPECT_EQ(scalar->series[0].samples[0].time, absl::FromUnixMillis(1700000000123));

  auto empty = ParsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"matrix","result":[]}})", 200);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->series.empty());  // no data is an empty result, never a value
}

TEST(PrometheusResponse, ErrorTypesMapToDistinctStatuses) {
  const std::pair<const char*, absl::StatusCode> cases[] = {
      {"bad_data", absl::StatusCode::kInvalidArgument},
      {"execution", absl::StatusCode::kFailedPrecondition},
      {"timeout", absl::StatusCode::kDeadlineExceeded},
      {"canceled", absl::StatusCode::kCancelled},
      {"unavailable", absl::StatusCode::kUnavailable},
      {"not_found", absl::StatusCode::kNotFound},
      {"internal", absl::StatusCode::kInternal},
      {"whatever", absl::StatusCode::kUnknown}};
  for (const auto& [type, code] : cases) {
    const auto result = ParsePrometheusResponse(
        std::string(R"({"status":"error","errorType":")") + type + R"(","error":"boom"})", 400);
    EXPECT_EQ(result.status().code(), code) << type;
    EXPECT_THAT(result.status().message(), HasSubstr("boom"));
  }
}

TEST(PrometheusResponse, TruncatedMalformedAndForeignBodiesNeverGiveValues) {
  const std::string good =
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"7"]}]}})";
  for (size_t cut = 0; cut < good.size(); ++cut) {
    const auto result = ParsePrometheusResponse(good.substr(0, cut), 200);
    EXPECT_FALSE(result.ok()) << "accepted a body cut at " << cut;
  }
  EXPECT_EQ(ParsePrometheusResponse("<html>bad gateway</html>", 502).status().code(),
            absl::StatusCode::kUnavailable);
  // A proxy's page in front of Prometheus says what failed by its code, as
  // every other client of a server maps it (http::StatusFromHttp).
  const auto denied = ParsePrometheusResponse("<html>Anmeldung n\xF6tig</html>", 401);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(std::string(denied.status().message()),
            "Prometheus HTTP 401: <html>Anmeldung n\xEF\xBF\xBDtig</html>");
  EXPECT_EQ(ParsePrometheusResponse("no such path", 404).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ParsePrometheusResponse("{\"status\":\"success\"}", 200).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      ParsePrometheusResponse(
          R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x7"]}]}})",
          200)
          .status()
          .code(),
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParsePrometheusResponse(good + "garbage", 200).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(PrometheusResponse, SampleTimesBeyondAnyUnixTimeAreDataLoss) {
  // In milliseconds these overflow an int64 (or lie a million years away):
  // each sample, histogram and scalar kind refuses them by name.
  for (const std::string seconds : {"1e300", "-1e300", "9.3e15", "3.3e13"}) {
    for (const std::string& data : {
             R"({"resultType":"vector","result":[{"metric":{},"value":[)" + seconds + R"(,"7"]}]})",
             R"({"resultType":"matrix","result":[{"metric":{},"values":[[)" + seconds +
                 R"(,"7"]]}]})",
             R"({"resultType":"scalar","result":[)" + seconds + R"(,"7"]})",
             R"({"resultType":"vector","result":[{"metric":{},"histogram":[)" + seconds +
                 R"(,{"count":"1","sum":"1","buckets":[[0,"1","2","1"]]}]}]})",
         }) {
      const auto result =
          ParsePrometheusResponse(absl::StrCat(R"({"status":"success","data":)", data, "}"), 200);
      EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss) << data;
      EXPECT_THAT(result.status().message(),
                  HasSubstr(absl::StrCat("sample time ", std::stod(seconds),
                                         " is not a unix time in seconds")))
          << data;
    }
  }
  const auto far = ParsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"scalar","result":[-3.1e13,"7"]}})", 200);
  ASSERT_TRUE(far.ok()) << far.status();
  EXPECT_EQ(far->series[0].samples[0].time, absl::FromUnixSeconds(-31'000'000'000'000));
}

TEST(PrometheusResponse, NativeHistogramSamplesOfVectorsAndMatrices) {
  // As Prometheus 2.42 writes them (tests/lab's exporter, scraped): a zero
  // bucket closed on both sides, positive buckets open on the left.
  const auto vector = ParsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"c1"},
         "histogram":[1795720980,{"count":"36","sum":"12.5","buckets":[
           [3,"-0.001","0.001","4"],[0,"2","2.82842712474619","8"],
           [0,"8","11.31370849898476","4.5"]]}]}]}})",
      200);
  ASSERT_TRUE(vector.ok()) << vector.status();
  ASSERT_EQ(vector->series.size(), 1u);
  ASSERT_EQ(vector->series[0].histograms.size(), 1u);
  EXPECT_TRUE(vector->series[0].samples.empty());
  const HistogramSample& h = vector->series[0].histograms[0];
  EXPECT_EQ(h.time, absl::FromUnixSeconds(1795720980));
  EXPECT_EQ(h.count, 36);
  EXPECT_EQ(h.sum, 12.5);
  ASSERT_EQ(h.buckets.size(), 3u);
  EXPECT_EQ(h.buckets[0].boundaries, 3);
  EXPECT_EQ(h.buckets[0].lower, -0.001);
  EXPECT_EQ(h.buckets[1].upper, 2.82842712474619);
  EXPECT_EQ(h.buckets[2].count, 4.5);

  const auto matrix = ParsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},
         "histograms":[[1795720980,{"count":"1","sum":"1","buckets":[[0,"0.5","1","1"]]}],
                       [1795720995.5,{"count":"0","sum":"0"}]]}]}})",
      200);
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  ASSERT_EQ(matrix->series[0].histograms.size(), 2u);
  EXPECT_EQ(matrix->series[0].histograms[1].time, absl::FromUnixMillis(1795720995500));
  EXPECT_TRUE(matrix->series[0].histograms[1].buckets.empty());
}

TEST(PrometheusResponse, MalformedNativeHistogramsAreDataLoss) {
  const std::string prefix =
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":)";
  const std::string suffix = "}]}}";
  for (const std::string histogram : {
           R"([1,{"count":"x","buckets":[]}])",                     // a count that is not a number
           R"([1,{"count":"1","buckets":[[0,"1","2"]]}])",          // a bucket of three
           R"([1,{"count":"1","buckets":[[0,"1","2","1","9"]]}])",  // of five
           R"([1,{"count":"1","buckets":[[7,"1","2","1"]]}])",      // no such boundary rule
           R"([1,{"count":"1","buckets":[["0","1","2","1"]]}])",    // the rule as a string
           R"([1,{"count":"1","buckets":[[0,1,2,1]]}])",            // numbers not as strings
           R"([1,{"count":"1","buckets":{}}])",                     // buckets not an array
           R"([1])",                                                // no histogram
           R"({"count":"1"})",                                      // not a pair
           R"([1,{"count":"1"},3])",                                // three elements
       }) {
    const auto result = ParsePrometheusResponse(absl::StrCat(prefix, histogram, suffix), 200);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss) << histogram;
  }
  const auto not_array = ParsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"histograms":{}}]}})",
      200);
  EXPECT_EQ(not_array.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kanarya::metrics
