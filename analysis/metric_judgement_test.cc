// Classification rules of one metric, including every failure mode that
// Kayenta users reported: none of them may PASS.
#include "analysis/metric_judgement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "analysis/testing/requests.h"

namespace kanarya::analysis {
namespace {

using testing::Continuous;
using testing::Count;
using v1::CLASSIFICATION_HIGH;
using v1::CLASSIFICATION_INCONCLUSIVE;
using v1::CLASSIFICATION_LOW;
using v1::CLASSIFICATION_NODATA;
using v1::CLASSIFICATION_PASS;
using v1::DIRECTION_DECREASE;
using v1::DIRECTION_EITHER;
using v1::DIRECTION_INCREASE;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> Normal(std::mt19937_64& rng, size_t n, double mean, double sd) {
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

v1::Classification Classify(const v1::MetricInput& metric) {
  return JudgeMetric(metric, 0.95).classification();
}

TEST(KayentaFailureModes, ZeroInflatedErrorCountsAsSamplesAreHigh) {
  // Per-interval error counts: the baseline never errs, a third of the
  // canary's intervals do. The median shift is 0, yet this is a regression.
  std::vector<double> baseline(60, 0.0);
  std::vector<double> canary(40, 0.0);
  for (int i = 0; i < 20; ++i) canary.push_back(1 + i % 4);
  const auto result =
      JudgeMetric(Continuous("errors", DIRECTION_INCREASE, baseline, canary, 0.1), 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_HIGH) << result.reason();
  EXPECT_EQ(result.hodges_lehmann(), 0.0);
  EXPECT_LT(result.p_value(), 1e-4);
}

TEST(KayentaFailureModes, BaselineWithoutErrorsAgainstCanaryWithSomeIsHigh) {
  const auto result = JudgeMetric(Count("5xx", 0, 100000, 6, 10000, 0.1), 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_HIGH) << result.reason();
  EXPECT_TRUE(std::isinf(result.rate_ratio()));
}

TEST(KayentaFailureModes, FewCanaryErrorsOverAnErrorFreeBaselineNeverPass) {
  // One error is not yet significant, but it is no evidence of health either.
  EXPECT_EQ(Classify(Count("5xx", 0, 100000, 1, 10000, 0.1)), CLASSIFICATION_INCONCLUSIVE);
  EXPECT_EQ(Classify(Count("5xx", 0, 100000, 0, 10000, 0.1)), CLASSIFICATION_INCONCLUSIVE);
}

TEST(KayentaFailureModes, CanaryMostlyFarAboveWithAFewMatchingPointsIsHigh) {
  std::mt19937_64 rng(3);
  const auto baseline = Normal(rng, 50, 10.0, 1.0);
  auto canary = Normal(rng, 15, 10.0, 1.0);  // 30 % of points match the baseline
  for (double x : Normal(rng, 35, 1000.0, 100.0)) canary.push_back(x);  // 70 % at 100x
  EXPECT_EQ(Classify(Continuous("latency", DIRECTION_INCREASE, baseline, canary, 0.1)),
            CLASSIFICATION_HIGH);
}

TEST(KayentaFailureModes, LargeIncreaseOnAHandfulOfPointsNeverPasses) {
  std::mt19937_64 rng(4);
  const auto baseline = Normal(rng, 50, 10.0, 1.0);
  // Three canary points at 10x: few, but the exact test sees them.
  EXPECT_EQ(Classify(Continuous("latency", DIRECTION_INCREASE, baseline, {100, 101, 99}, 0.1)),
            CLASSIFICATION_HIGH);
  // Two points against three: no test can be significant; still never PASS.
  EXPECT_EQ(Classify(Continuous("latency", DIRECTION_INCREASE, {10, 11, 9}, {100, 101}, 0.1)),
            CLASSIFICATION_INCONCLUSIVE);
}

TEST(Continuous, ClearImprovementPassesEvenOnFewPoints) {
  EXPECT_EQ(Classify(Continuous("latency", DIRECTION_INCREASE, {50, 52, 51, 49, 53, 50, 52, 51},
                                {30, 31, 29, 32, 30, 31, 28, 30}, 0.05)),
            CLASSIFICATION_PASS);
}

TEST(Continuous, IdenticalSamplesPass) {
  EXPECT_EQ(Classify(Continuous("cpu", DIRECTION_INCREASE, std::vector<double>(30, 0.25),
                                std::vector<double>(30, 0.25), 0.0)),
            CLASSIFICATION_PASS);
  std::mt19937_64 rng(5);
  const auto sample = Normal(rng, 60, 100.0, 5.0);
  const auto result =
      JudgeMetric(Continuous("latency", DIRECTION_EITHER, sample, sample, 0.1), 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_PASS) << result.reason();
  EXPECT_EQ(result.hodges_lehmann(), 0.0);
  EXPECT_DOUBLE_EQ(result.u_statistic(), 60.0 * 60.0 / 2.0);
}

TEST(Continuous, TooFewIdenticalPointsAreInconclusiveNotPass) {
  // Five widely spread points cannot exclude a 10 % regression.
  EXPECT_EQ(Classify(Continuous("latency", DIRECTION_INCREASE, {50, 80, 110, 140, 170},
                                {50, 80, 110, 140, 170}, 0.1)),
            CLASSIFICATION_INCONCLUSIVE);
}

TEST(Continuous, SignificantButImmaterialShiftPasses) {
  std::mt19937_64 rng(6);
  // +2 % with 10 % tolerance on 2000 points a side: significant, not material.
  const auto result =
      JudgeMetric(Continuous("latency", DIRECTION_INCREASE, Normal(rng, 2000, 100, 5),
                             Normal(rng, 2000, 102, 5), 0.1),
                  0.95);
  EXPECT_LT(result.p_value(), 0.05);
  EXPECT_EQ(result.classification(), CLASSIFICATION_PASS) << result.reason();
  EXPECT_NEAR(result.allowed_change(), 10.0, 0.2);
}

TEST(Continuous, MaterialShiftIsHighAndItsMirrorIsLow) {
  std::mt19937_64 rng(7);
  const auto baseline = Normal(rng, 200, 100, 5);
  const auto slower = Normal(rng, 200, 120, 5);
  const auto result =
      JudgeMetric(Continuous("latency", DIRECTION_INCREASE, baseline, slower, 0.1), 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_HIGH) << result.reason();
  EXPECT_NEAR(result.hodges_lehmann(), 20.0, 1.5);
  EXPECT_LT(result.ci_lower(), result.hodges_lehmann());
  EXPECT_GT(result.ci_upper(), result.hodges_lehmann());
  EXPECT_EQ(Classify(Continuous("throughput", DIRECTION_DECREASE, slower, baseline, 0.1)),
            CLASSIFICATION_LOW);
  EXPECT_EQ(Classify(Continuous("size", DIRECTION_EITHER, slower, baseline, 0.1)),
            CLASSIFICATION_LOW);
  EXPECT_EQ(Classify(Continuous("size", DIRECTION_EITHER, baseline, slower, 0.1)),
            CLASSIFICATION_HIGH);
  // An increase is harmless when only a decrease is bad.
  EXPECT_EQ(Classify(Continuous("throughput", DIRECTION_DECREASE, baseline, slower, 0.1)),
            CLASSIFICATION_PASS);
}

TEST(Continuous, AbsoluteToleranceWidensTheAllowance) {
  std::mt19937_64 rng(8);
  auto metric = Continuous("latency", DIRECTION_INCREASE, Normal(rng, 300, 1.0, 0.05),
                           Normal(rng, 300, 1.3, 0.05), 0.1);
  EXPECT_EQ(Classify(metric), CLASSIFICATION_HIGH);
  metric.set_absolute_tolerance(0.5);
  const auto result = JudgeMetric(metric, 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_PASS);
  EXPECT_EQ(result.allowed_change(), 0.5);
}

TEST(Continuous, MissingSamplesAreNoData) {
  EXPECT_EQ(Classify(Continuous("latency", DIRECTION_INCREASE, {1, 2, 3}, {}, 0.1)),
            CLASSIFICATION_NODATA);
  const auto result = JudgeMetric(
      Continuous("latency", DIRECTION_INCREASE, {1, 2, 3}, {kNaN, kInf, -kInf}, 0.1), 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_NODATA);
  EXPECT_EQ(result.canary_dropped(), 3);
  EXPECT_EQ(result.canary_count(), 0);
}

TEST(Continuous, NaNStrategyAndInfinitiesAreApplied) {
  auto metric = Continuous("ratio", DIRECTION_INCREASE, {0, 0, 0.1, 0, 0},
                           {kNaN, 0, kInf, 0, kNaN, 0.1}, 0.1);
  auto result = JudgeMetric(metric, 0.95);
  EXPECT_EQ(result.canary_count(), 3);
  EXPECT_EQ(result.canary_dropped(), 3);
  metric.set_nan_strategy(v1::NAN_STRATEGY_REPLACE_WITH_ZERO);
  result = JudgeMetric(metric, 0.95);
  EXPECT_EQ(result.canary_count(), 5);
  EXPECT_EQ(result.canary_dropped(), 1);  // the infinity
}

TEST(Continuous, TukeyOutlierRemovalDropsOnlyFarPoints) {
  std::vector<double> canary = {10, 11, 12, 10.5, 11.5, 10.8, 11.2, 500};
  auto metric = Continuous("latency", DIRECTION_INCREASE, {10, 11, 12, 10.5, 11.5}, canary, 0.1);
  metric.set_outlier_strategy(v1::OUTLIER_STRATEGY_REMOVE_TUKEY);
  const auto result = JudgeMetric(metric, 0.95);
  EXPECT_EQ(result.canary_dropped(), 1);
  EXPECT_EQ(result.canary_count(), 7);
  EXPECT_EQ(result.baseline_dropped(), 0);
}

TEST(Continuous, OneValueEachAndUnequalSizesWork) {
  const auto one = JudgeMetric(Continuous("x", DIRECTION_INCREASE, {1.0}, {2.0}, 0.1), 0.95);
  EXPECT_EQ(one.classification(), CLASSIFICATION_INCONCLUSIVE);
  EXPECT_EQ(one.hodges_lehmann(), 1.0);
  EXPECT_EQ(one.ci_lower(), 1.0);
  EXPECT_EQ(one.ci_upper(), 1.0);
  EXPECT_EQ(one.p_value(), 1.0);
  std::mt19937_64 rng(9);
  const auto unequal = JudgeMetric(
      Continuous("x", DIRECTION_INCREASE, Normal(rng, 5000, 10, 1), Normal(rng, 7, 10, 1), 0.5),
      0.95);
  EXPECT_EQ(unequal.baseline_count(), 5000);
  EXPECT_EQ(unequal.canary_count(), 7);
  EXPECT_EQ(unequal.method(), "Mann-Whitney, normal approximation");
}

TEST(Continuous, AllTiesPassWithUnitPValue) {
  const auto result = JudgeMetric(Continuous("x", DIRECTION_INCREASE, std::vector<double>(80, 3.0),
                                             std::vector<double>(70, 3.0), 0.0),
                                  0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_PASS);
  EXPECT_EQ(result.p_value(), 1.0);
  EXPECT_EQ(result.ci_lower(), 0.0);
  EXPECT_EQ(result.ci_upper(), 0.0);
}

TEST(Continuous, HugeSamplesAreJudgedExactly) {
  std::mt19937_64 rng(10);
  const auto result =
      JudgeMetric(Continuous("latency", DIRECTION_INCREASE, Normal(rng, 100000, 100, 10),
                             Normal(rng, 100000, 100.2, 10), 0.05),
                  0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_PASS);
  EXPECT_NEAR(result.hodges_lehmann(), 0.2, 0.15);
  EXPECT_LT(result.ci_upper() - result.ci_lower(), 0.3);
}

TEST(Count, DoubledErrorRateIsHighAndEqualRatesPass) {
  EXPECT_EQ(Classify(Count("5xx", 500, 100000, 100, 10000, 0.2)), CLASSIFICATION_HIGH);
  const auto equal = JudgeMetric(Count("5xx", 5000, 1000000, 500, 100000, 0.2), 0.95);
  EXPECT_EQ(equal.classification(), CLASSIFICATION_PASS) << equal.reason();
  EXPECT_DOUBLE_EQ(equal.rate_ratio(), 1.0);
  EXPECT_DOUBLE_EQ(equal.allowed_change(), 1.2);
}

TEST(Count, LowTrafficIsInconclusive) {
  EXPECT_EQ(Classify(Count("5xx", 50, 10000, 1, 100, 0.2)), CLASSIFICATION_INCONCLUSIVE);
}

TEST(Count, NoTrafficIsNoData) {
  EXPECT_EQ(Classify(Count("5xx", 0, 0, 0, 100, 0.2)), CLASSIFICATION_NODATA);
  EXPECT_EQ(Classify(Count("5xx", 5, 100, 0, 0, 0.2)), CLASSIFICATION_NODATA);
}

TEST(Count, ErrorFreeSidesPassOnlyWithAnAbsoluteTolerance) {
  auto metric = Count("5xx", 0, 500000, 0, 50000, 0.2);
  EXPECT_EQ(Classify(metric), CLASSIFICATION_INCONCLUSIVE);
  metric.set_absolute_tolerance(0.001);  // 0.1 % of requests may fail
  const auto result = JudgeMetric(metric, 0.95);
  EXPECT_EQ(result.classification(), CLASSIFICATION_PASS) << result.reason();
  EXPECT_TRUE(std::isnan(result.rate_ratio()));
}

TEST(Count, TotalsNear2To52WithExtremeCountsAreJudged) {
  constexpr int64_t kMax = int64_t{1} << 52;
  const auto equal = JudgeMetric(Count("5xx", kMax / 4, kMax, kMax / 4, kMax, 0.01), 0.95);
  EXPECT_EQ(equal.classification(), CLASSIFICATION_PASS) << equal.reason();
  EXPECT_NEAR(equal.ci_upper(), 1.0, 1e-6);
  const auto all_canary = JudgeMetric(Count("5xx", 0, kMax, kMax, kMax, 0.01), 0.95);
  EXPECT_EQ(all_canary.classification(), CLASSIFICATION_HIGH) << all_canary.reason();
  EXPECT_LT(all_canary.p_value(), 1e-300);
  auto none_canary = Count("5xx", kMax - 1, kMax, 0, kMax - 7, 0.01);
  none_canary.set_direction(DIRECTION_EITHER);
  const auto low = JudgeMetric(none_canary, 0.95);
  EXPECT_EQ(low.classification(), CLASSIFICATION_LOW) << low.reason();
  EXPECT_EQ(low.ci_lower(), 0.0);
  EXPECT_LT(low.ci_upper(), 1e-15);
  // A shift of 2^-20 in the rate, found at this size with p far below 1e-100.
  const auto shifted =
      JudgeMetric(Count("5xx", kMax / 2, kMax, kMax / 2 + (kMax >> 20), kMax, 0.0), 0.95);
  EXPECT_EQ(shifted.classification(), CLASSIFICATION_HIGH) << shifted.reason();
  EXPECT_LT(shifted.p_value(), 1e-100);
  EXPECT_NEAR(shifted.rate_ratio(), 1.0 + 1.0 / (1 << 19), 1e-12);
}

TEST(Count, FewerSuccessesAreLowWhenDecreaseIsBad) {
  auto metric = Count("orders", 9000, 100000, 700, 10000, 0.05);
  metric.set_direction(DIRECTION_DECREASE);
  EXPECT_EQ(Classify(metric), CLASSIFICATION_LOW);
}

}  // namespace
}  // namespace kanarya::analysis
