#include "analysis/mean_shift_sequence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace kanarya::analysis {
namespace {

// The half-normal mixture of likelihood ratios, integrated numerically: the
// closed form in the implementation must agree.
double NumericEvidenceAbove(double estimate, double variance, double boundary, double mixing_sd) {
  const int steps = 200000;
  const double upper = 12 * mixing_sd;
  const double h = upper / steps;
  double sum = 0;
  for (int k = 0; k <= steps; ++k) {
    const double u = k * h;  // shift above the boundary
    const double ratio = std::exp((u * (estimate - boundary) - 0.5 * u * u) / variance);
    const double density = 2 * std::exp(-0.5 * u * u / (mixing_sd * mixing_sd)) /
                           (mixing_sd * std::sqrt(2 * std::numbers::pi));
    sum += (k == 0 || k == steps ? 0.5 : 1.0) * ratio * density;
  }
  return sum * h;
}

TEST(MeanShiftSequence, ClosedFormMatchesNumericIntegration) {
  MeanShiftSequence sequence;
  sequence.Add(std::vector<double>{10, 12, 11, 9, 13, 10, 12, 11, 9, 13},
               std::vector<double>{12, 14, 13, 12, 15, 12, 14, 13, 12, 15});
  const double variance = (13.6 / 9 / 10) + (20.0 / 9 / 10);  // squared deviations 13.6, 20
  for (double boundary : {0.0, 1.0, 2.5}) {
    for (double mixing_sd : {0.5, 2.0}) {
      EXPECT_NEAR(sequence.EvidenceAbove(boundary, mixing_sd),
                  NumericEvidenceAbove(sequence.estimate(), variance, boundary, mixing_sd),
                  1e-6 * NumericEvidenceAbove(sequence.estimate(), variance, boundary, mixing_sd))
          << boundary << " " << mixing_sd;
    }
  }
}

TEST(MeanShiftSequence, NotReadyUntilEnoughValuesASide) {
  MeanShiftSequence sequence;
  sequence.Add(std::vector<double>(9, 1.0), std::vector<double>(20, 5.0));
  EXPECT_FALSE(sequence.ready());
  EXPECT_EQ(sequence.EvidenceAbove(0, 1), 1.0);
  EXPECT_TRUE(std::isinf(sequence.ConfidenceSequence(0.05, 1).upper));
  sequence.Add(std::vector<double>{2.0}, {});
  EXPECT_TRUE(sequence.ready());
}

TEST(MeanShiftSequence, EvidenceGrowsWithATrueShiftAndCsCoversIt) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> baseline(100, 10), canary(106, 10);
  MeanShiftSequence sequence;
  for (int tick = 0; tick < 200; ++tick) {
    sequence.Add(std::vector<double>{baseline(rng), baseline(rng)},
                 std::vector<double>{canary(rng)});
  }
  EXPECT_GT(sequence.EvidenceAbove(0.0, 5.0), 1000.0);
  EXPECT_LT(sequence.EvidenceBelow(0.0, 5.0), 0.1);
  const Interval cs = sequence.ConfidenceSequence(0.05, 5.0);
  EXPECT_LT(cs.lower, 6.0);
  EXPECT_GT(cs.upper, 6.0);
  EXPECT_GT(cs.lower, 0.0);
}

TEST(MeanShiftSequence, ConstantIdenticalSamplesStayFinite) {
  MeanShiftSequence sequence;
  sequence.Add(std::vector<double>(10, 3.0), std::vector<double>(10, 3.0));
  const Interval cs = sequence.ConfidenceSequence(0.05, 0.3);
  EXPECT_TRUE(std::isfinite(cs.lower));
  EXPECT_NEAR(cs.upper, 0.0, 1e-3);
  EXPECT_LT(sequence.EvidenceAbove(0.3, 0.3), 1e-6);
}

}  // namespace
}  // namespace kanarya::analysis
