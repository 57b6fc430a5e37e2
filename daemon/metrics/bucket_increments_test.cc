// BucketIncrementsOf on answers shaped by hand: ordering, rounding, the
// monotone clamp, no data, and answers that are not a histogram's. The same
// against a real Prometheus is in bucket_increments_lab_test.cc.
#include "daemon/metrics/bucket_increments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace kanarya::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();

// An instant vector of `sum by (le) (...)`: one series per (le, value).
QueryResult ByLe(const std::vector<std::pair<std::string, double>>& values) {
  QueryResult result;
  result.type = ResultType::kVector;
  for (const auto& [le, value] : values) {
    result.series.push_back({.labels = {{"le", le}}, .samples = {{absl::UnixEpoch(), value}}});
  }
  return result;
}

TEST(BucketIncrements, CumulativeCountsBecomeRequestsPerBucket) {
  // Out of order, as a server may answer; "+Inf" and "1e+03" as Prometheus
  // writes them; 36.4 requests (increase() extrapolates) round to 36.
  const auto increments = BucketIncrementsOf(
      ByLe({{"+Inf", 40}, {"100", 30}, {"50", 10.2}, {"1e+03", 36.4}, {"250", 35}}));
  ASSERT_TRUE(increments.ok()) << increments.status();
  ASSERT_TRUE(increments->has_value());
  EXPECT_THAT((*increments)->bounds, ElementsAre(50, 100, 250, 1000, kInf));
  EXPECT_THAT((*increments)->counts, ElementsAre(10, 20, 5, 1, 4));
  EXPECT_EQ((*increments)->clamped, 0);
}

TEST(BucketIncrements, ACountAboveAHigherBoundsIsLoweredToIt) {
  // le="100" counts 33 where le="250" has 31 (a pod's series for 250 began
  // inside the window): 100 is lowered to 31, so its bucket is not negative
  // and the total stays 40.
  const auto increments =
      BucketIncrementsOf(ByLe({{"50", 10}, {"100", 33}, {"250", 31}, {"+Inf", 40}}));
  ASSERT_TRUE(increments.ok()) << increments.status();
  EXPECT_THAT((*increments)->counts, ElementsAre(10, 21, 0, 9));
  EXPECT_EQ((*increments)->clamped, 2);
}

TEST(BucketIncrements, NoSeriesOrANaNIsNoData) {
  EXPECT_EQ(BucketIncrementsOf(ByLe({})).value(), std::nullopt);
  EXPECT_EQ(BucketIncrementsOf(ByLe({{"50", NAN}, {"+Inf", 3}})).value(), std::nullopt);
}

TEST(BucketIncrements, AnswersThatAreNotAHistogramsAreRefused) {
  QueryResult matrix = ByLe({{"+Inf", 1}});
  matrix.type = ResultType::kMatrix;
  EXPECT_THAT(BucketIncrementsOf(matrix).status().message(), HasSubstr("instant vector"));
  QueryResult unlabelled = ByLe({{"+Inf", 1}});
  unlabelled.series[0].labels = {{"code", "200"}};
  EXPECT_THAT(BucketIncrementsOf(unlabelled).status().message(), HasSubstr("no le label"));
  EXPECT_THAT(BucketIncrementsOf(ByLe({{"fast", 1}, {"+Inf", 2}})).status().message(),
              HasSubstr("le=\"fast\" is not a bucket bound"));
  EXPECT_THAT(BucketIncrementsOf(ByLe({{"50", 1}, {"5e1", 1}, {"+Inf", 2}})).status().message(),
              HasSubstr("two series of one histogram for le=50"));
  EXPECT_THAT(BucketIncrementsOf(ByLe({{"50", 1}, {"100", 2}})).status().message(),
              HasSubstr("no le=\"+Inf\" series"));
  const auto huge = BucketIncrementsOf(ByLe({{"50", 1e16}, {"+Inf", 1e16}}));
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(BucketIncrementsOf(ByLe({{"50", -3}, {"+Inf", 1}})).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(BucketIncrementsOf(ByLe({{"50", kInf}, {"+Inf", 1}})).status().code(),
            absl::StatusCode::kDataLoss);
}

// Series per pod: one histogram per pod.
QueryResult ByPodAndLe(
    const std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>>& pods) {
  QueryResult result;
  result.type = ResultType::kVector;
  for (const auto& [pod, values] : pods) {
    for (const auto& [le, value] : values) {
      result.series.push_back(
          {.labels = {{"le", le}, {"pod", pod}}, .samples = {{absl::UnixEpoch(), value}}});
    }
  }
  return result;
}

TEST(BucketIncrements, PodsWithOtherLayoutsAreAddedUpOnTheBoundsAllHave) {
  // An old pod with 100 among its bounds, a new one without it: adding them
  // up at 100 would count only the old pod's requests there. On 50, 250 and
  // +Inf each pod's cumulative count is exact.
  const auto increments =
      BucketIncrementsOf(ByPodAndLe({{"old", {{"50", 4}, {"100", 12}, {"250", 16}, {"+Inf", 20}}},
                                     {"new", {{"50", 1}, {"250", 4}, {"+Inf", 5}}}}));
  ASSERT_TRUE(increments.ok()) << increments.status();
  EXPECT_THAT((*increments)->bounds, ElementsAre(50, 250, kInf));
  EXPECT_THAT((*increments)->counts, ElementsAre(5, 15, 5));
  EXPECT_EQ((*increments)->left_out, 0);
}

TEST(BucketIncrements, AHistogramWithoutItsInfBoundIsLeftOut) {
  // A restarted pod's series were left out by `>= 0` but for le="50", whose
  // counter stayed at 0: a fragment that cannot be placed.
  const auto increments = BucketIncrementsOf(
      ByPodAndLe({{"restarted", {{"50", 0}}}, {"steady", {{"50", 3}, {"250", 8}, {"+Inf", 9}}}}));
  ASSERT_TRUE(increments.ok()) << increments.status();
  EXPECT_THAT((*increments)->counts, ElementsAre(3, 5, 1));
  EXPECT_EQ((*increments)->left_out, 1);
  // Layouts without a finite bound in common cannot be added up.
  const auto disjoint = BucketIncrementsOf(
      ByPodAndLe({{"a", {{"50", 1}, {"+Inf", 2}}}, {"b", {{"60", 1}, {"+Inf", 2}}}}));
  EXPECT_EQ(disjoint.status().code(), absl::StatusCode::kDataLoss);
}

TEST(BucketIncrements, TwoLayoutsMeetOnTheBoundsBothHave) {
  BucketIncrements baseline{.bounds = {50, 100, 250, kInf}, .counts = {10, 20, 5, 1}};
  BucketIncrements canary{.bounds = {50, 250, 500, kInf}, .counts = {1, 3, 1, 0}};
  ASSERT_TRUE(ToCommonLayout(baseline, canary).ok());
  EXPECT_THAT(baseline.bounds, ElementsAre(50, 250, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(10, 25, 1));
  EXPECT_THAT(canary.bounds, ElementsAre(50, 250, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(1, 3, 1));
  BucketIncrements other{.bounds = {60, kInf}, .counts = {1, 1}};
  EXPECT_EQ(ToCommonLayout(baseline, other).code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(other.bounds, ElementsAre(60, kInf));
}

}  // namespace
}  // namespace kanarya::metrics
