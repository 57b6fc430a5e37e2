// The judge on histograms: Mann-Whitney on bucket ranks against R
// (tests/fixtures/generate_histogram_fixtures.R) and against the same test on
// the requests themselves, and the classifications with their evidence.
// Calibration is in judge_calibration_test.cc.
#include "analysis/histogram_judgement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "analysis/metric_judgement.h"
#include "analysis/rank_sum_test.h"
#include "analysis/testing/histogram_ticks.h"
#include "analysis/testing/requests.h"
#include "tests/testing/reference_values.h"

namespace kanarya::analysis {
namespace {

using ::kanarya::testing::LoadFixture;
using ::kanarya::testing::NearlyEqual;
using ::kanarya::testing::Number;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<int64_t> Counts(const nlohmann::json& values) {
  std::vector<int64_t> counts;
  for (const auto& v : values) counts.push_back(static_cast<int64_t>(Number(v)));
  return counts;
}

TEST(BucketRankSum, MatchesRsWilcoxTestWithTies) {
  const nlohmann::json reference = LoadFixture("histogram_reference.json");
  ASSERT_FALSE(reference["bucket_rank_sum"].empty());
  for (const auto& c : reference["bucket_rank_sum"]) {
    const std::vector<int64_t> baseline = Counts(c["baseline"]);
    const std::vector<int64_t> canary = Counts(c["canary"]);
    const RankSumTest test = BucketRankSum(canary, baseline);
    EXPECT_FALSE(test.exact);
    EXPECT_TRUE(NearlyEqual(test.u, Number(c["u_statistic"]), 1e-12)) << c["name"];
    EXPECT_TRUE(NearlyEqual(test.p_value, Number(c["p_value"]), 1e-9)) << c["name"];
  }
}

TEST(BucketRankSum, IsMannWhitneyOnTheRequestsRankedByBucket) {
  // Each request stands for its bucket's index; with at most one request a
  // bucket and few of them, both use the exact distribution.
  for (const auto& [baseline, canary] :
       {std::pair<std::vector<int64_t>, std::vector<int64_t>>{{4, 0, 7, 2, 9}, {1, 3, 0, 5, 2}},
        {{1, 0, 1, 1, 0, 0}, {0, 1, 0, 0, 1, 1}}}) {
    std::vector<double> baseline_values, canary_values;
    for (size_t k = 0; k < baseline.size(); ++k) {
      baseline_values.insert(baseline_values.end(), baseline[k], static_cast<double>(k));
      canary_values.insert(canary_values.end(), canary[k], static_cast<double>(k));
    }
    const RankSumTest expected = MannWhitney(canary_values, baseline_values);
    const RankSumTest actual = BucketRankSum(canary, baseline);
    EXPECT_EQ(actual.u, expected.u);
    EXPECT_EQ(actual.exact, expected.exact);
    EXPECT_DOUBLE_EQ(actual.p_value, expected.p_value);
    EXPECT_DOUBLE_EQ(actual.sigma, expected.sigma);
  }
}

v1::MetricInput HistogramInput(const std::vector<double>& bounds,
                               const std::vector<int64_t>& baseline,
                               const std::vector<int64_t>& canary) {
  v1::MetricInput metric;
  metric.set_name("latency");
  metric.set_kind(v1::METRIC_KIND_HISTOGRAM);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.mutable_bucket_bounds()->Add(bounds.begin(), bounds.end());
  metric.mutable_baseline_buckets()->Add(baseline.begin(), baseline.end());
  metric.mutable_canary_buckets()->Add(canary.begin(), canary.end());
  return metric;
}

// Istio's buckets, log-normal latencies (median 100 ms, sigma 0.5), the
// canary's `slower` times the baseline's.
v1::MetricInput IstioInput(std::mt19937_64& rng, int64_t baseline_requests, int64_t canary_requests,
                           double slower) {
  const std::vector<double>& bounds = testing::IstioBounds();
  google::protobuf::RepeatedField<int64_t> baseline, canary;
  testing::DrawBuckets(rng, baseline_requests, testing::LogNormalShares(bounds, 100, 0.5),
                       baseline);
  testing::DrawBuckets(rng, canary_requests, testing::LogNormalShares(bounds, 100 * slower, 0.5),
                       canary);
  return HistogramInput(bounds, {baseline.begin(), baseline.end()}, {canary.begin(), canary.end()});
}

TEST(HistogramJudgement, ACanaryThirtyPercentSlowerIsHighAtTheBoundPastItsAllowance) {
  std::mt19937_64 rng(5);
  const v1::MetricResult result = JudgeMetric(IstioInput(rng, 2000, 200, 1.3), 0.95);
  EXPECT_EQ(result.classification(), v1::CLASSIFICATION_HIGH) << result.reason();
  EXPECT_LT(result.p_value(), 1e-6);
  EXPECT_EQ(result.allowed_change(), 1.2);  // the default tolerance
  EXPECT_GE(result.bucket_bound(), 100);
  EXPECT_GE(result.rate_ratio(), 1.2);
  EXPECT_EQ(result.method(), "Mann-Whitney on bucket ranks, normal approximation");
  ASSERT_EQ(result.quantiles_size(), 3);
  EXPECT_GT(result.quantiles(0).canary(), result.quantiles(0).baseline());
  EXPECT_EQ(result.canary_level(), result.quantiles(0).canary());
  EXPECT_NE(result.reason().find("default tolerance 20%"), std::string::npos) << result.reason();
  EXPECT_NE(result.reason().find("p50 canary "), std::string::npos) << result.reason();
}

TEST(HistogramJudgement, TheSameDistributionPassesOnceEveryBoundIsShownWithin) {
  // Exact halves at every bucket: the shares are equal. 40 requests cannot
  // show a share within 1.2x; 40,000 can at every bound, and at the bounds
  // no request passes, the canary's share is shown below the 1 % floor.
  const std::vector<double> bounds = {50, 100, 250, 1000, kInf};
  const auto judge = [&](int64_t scale) {
    return JudgeMetric(HistogramInput(bounds, {20 * scale, 50 * scale, 27 * scale, 3 * scale, 0},
                                      {20 * scale, 50 * scale, 27 * scale, 3 * scale, 0}),
                       0.95);
  };
  EXPECT_EQ(judge(1).classification(), v1::CLASSIFICATION_INCONCLUSIVE) << judge(1).reason();
  const v1::MetricResult large = judge(400);
  EXPECT_EQ(large.classification(), v1::CLASSIFICATION_PASS) << large.reason();
  EXPECT_EQ(large.p_value(), 1.0);
}

TEST(HistogramJudgement, TheFloorAndTheToleranceCanBeSet) {
  // 2 % of the canary's requests above 1 s, none of the baseline's: HIGH
  // with the 1 % floor, PASS-able with a 5 % floor.
  const std::vector<double> bounds = {100, 1000, kInf};
  v1::MetricInput metric = HistogramInput(bounds, {8000, 2000, 0}, {7800, 2000, 200});
  EXPECT_EQ(JudgeMetric(metric, 0.95).classification(), v1::CLASSIFICATION_HIGH);
  EXPECT_EQ(JudgeMetric(metric, 0.95).bucket_bound(), 1000);
  metric.set_absolute_tolerance(0.05);
  metric.set_tolerance(0.5);
  const v1::MetricResult relaxed = JudgeMetric(metric, 0.95);
  EXPECT_EQ(relaxed.classification(), v1::CLASSIFICATION_PASS) << relaxed.reason();
  EXPECT_EQ(relaxed.reason().find("default tolerance"), std::string::npos) << relaxed.reason();
}

TEST(HistogramJudgement, ASideWithoutRequestsIsNoData) {
  const v1::MetricResult result = JudgeMetric(HistogramInput({100, kInf}, {0, 0}, {3, 1}), 0.95);
  EXPECT_EQ(result.classification(), v1::CLASSIFICATION_NODATA);
  EXPECT_EQ(result.reason(), "no requests: baseline 0, canary 4");
}

}  // namespace
}  // namespace kanarya::analysis
