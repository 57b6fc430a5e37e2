#include "analysis/rate_ratio_sequence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "analysis/binomial.h"

namespace kanarya::analysis {
namespace {

TEST(RateRatioSequence, EvidenceAgainstABoundaryIsTheBinomialLikelihoodMixture) {
  // One tick: 30 of 50 events on the canary with 25 % of the traffic. The
  // evidence against rho <= 1 must be the prior-weighted mean, over grid
  // ratios above 1, of Binomial(30; 50, theta(rho)) / Binomial(30; 50, 0.25).
  RateRatioSequence sequence(1.0, {1.0});
  sequence.Add(30, 2500, 20, 7500);
  double weighted = 0, weights = 0;
  for (int k = 1; k <= 100; ++k) {
    const double log_rho = k * 0.05;
    const double rho = std::exp(log_rho);
    const double theta = rho * 0.25 / (rho * 0.25 + 0.75);
    const double w = std::exp(-0.5 * log_rho * log_rho);
    weighted += w * BinomialPmf(30, 50, theta) / BinomialPmf(30, 50, 0.25);
    weights += w;
  }
  EXPECT_NEAR(sequence.EvidenceAboveBoundaryAt(0), weighted / weights, 1e-9 * weighted / weights);
  EXPECT_DOUBLE_EQ(sequence.estimate(), (30.0 / 2500) / (20.0 / 7500));
}

TEST(RateRatioSequence, RefusesTicksThatWouldOverflowOrAreNegative) {
  // Fed directly (not through validation), the sequence must neither wrap
  // nor reach undefined behaviour: ticks past its range are left out whole.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  RateRatioSequence sequence(1.0, {1.2});
  ASSERT_TRUE(sequence.Add(10, 1000, 40, 4000));
  EXPECT_FALSE(sequence.Add(0, kMax, 0, 1));
  EXPECT_FALSE(sequence.Add(kMax, kMax, kMax, kMax));
  EXPECT_FALSE(sequence.Add(-1, 10, 0, 10));
  EXPECT_FALSE(sequence.Add(0, 1, 0, RateRatioSequence::kMaxCumulativeCount));
  EXPECT_EQ(sequence.canary_total(), 1000);
  EXPECT_EQ(sequence.baseline_total(), 4000);
  EXPECT_DOUBLE_EQ(sequence.estimate(), 1.0);
  // Up to the bound exactly is accepted.
  EXPECT_TRUE(sequence.Add(0, 1, 0, RateRatioSequence::kMaxCumulativeCount - 4000));
  EXPECT_EQ(sequence.baseline_total(), RateRatioSequence::kMaxCumulativeCount);
}

TEST(RateRatioSequence, TicksWithoutTrafficOrEventsAddNothing) {
  RateRatioSequence sequence(1.0, {1.2});
  sequence.Add(0, 0, 5, 1000);
  sequence.Add(0, 100, 0, 1000);
  EXPECT_DOUBLE_EQ(sequence.EvidenceAboveBoundaryAt(0), 1.0);
  const Interval cs = sequence.ConfidenceSequence(0.05);
  EXPECT_EQ(cs.lower, 0.0);
  EXPECT_TRUE(std::isinf(cs.upper));
}

TEST(RateRatioSequence, DoubledRateAcrossChangingTrafficSharesIsFound) {
  std::mt19937_64 rng(3);
  RateRatioSequence sequence(1.0, {1.0});
  for (double share : {0.05, 0.1, 0.25, 0.5}) {
    for (int tick = 0; tick < 60; ++tick) {
      const int64_t canary_total = static_cast<int64_t>(2000 * share);
      const int64_t baseline_total = 2000 - canary_total;
      std::poisson_distribution<int64_t> canary(0.01 * canary_total),
          baseline(0.005 * baseline_total);
      sequence.Add(canary(rng), canary_total, baseline(rng), baseline_total);
    }
  }
  EXPECT_GT(sequence.EvidenceAboveBoundaryAt(0), 1e6);
  const Interval cs = sequence.ConfidenceSequence(0.05);
  EXPECT_LT(cs.lower, 2.0);
  EXPECT_GT(cs.upper, 2.0);
  EXPECT_GT(cs.lower, 1.0);
}

}  // namespace
}  // namespace kanarya::analysis
