#include "analysis/long_run_variance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kanarya::analysis {
namespace {

// n values of an AR(1) series with coefficient phi and marginal variance 1.
std::vector<double> Ar1(std::mt19937_64& rng, size_t n, double phi) {
  std::normal_distribution<double> z(0, 1);
  std::vector<double> x(n);
  double level = z(rng);
  for (double& v : x) {
    level = phi * level + std::sqrt(1 - phi * phi) * z(rng);
    v = level;
  }
  return x;
}

TEST(LongRunVariance, IndependentValuesGiveAboutTheVariance) {
  std::mt19937_64 rng(1);
  // The estimate never falls below the sample variance and, on 5000
  // independent values, exceeds the true variance 1 by little.
  const double estimate = EstimateLongRunVariance(Ar1(rng, 5000, 0.0)).variance;
  EXPECT_GT(estimate, 0.97);
  EXPECT_LT(estimate, 1.15);
}

TEST(LongRunVariance, Ar1ReachesItsLongRunVariance) {
  // sigma^2 (1 + phi) / (1 - phi): 4 at phi = 0.6, 1.86 at 0.3.
  std::mt19937_64 rng(2);
  for (double phi : {0.3, 0.6}) {
    double mean = 0;
    for (int r = 0; r < 50; ++r) mean += EstimateLongRunVariance(Ar1(rng, 2000, phi)).variance / 50;
    EXPECT_NEAR(mean, (1 + phi) / (1 - phi), 0.1 * (1 + phi) / (1 - phi)) << phi;
  }
}

TEST(LongRunVariance, ShortSeriesAreNotUnderestimatedOnAverage) {
  // Twelve ticks of AR(0.6): the plain sample variance averages about
  // 1 - 4/12 of the marginal variance, a quarter of the long-run one; the
  // corrections recover most of it.
  std::mt19937_64 rng(3);
  double mean = 0;
  for (int r = 0; r < 4000; ++r) mean += EstimateLongRunVariance(Ar1(rng, 12, 0.6)).variance / 4000;
  EXPECT_GT(mean, 0.75 * 4.0);
}

TEST(LongRunVariance, DegenerateSeries) {
  EXPECT_EQ(EstimateLongRunVariance(std::vector<double>{}).variance, 0.0);
  EXPECT_EQ(EstimateLongRunVariance(std::vector<double>{3.0}).variance, 0.0);
  EXPECT_EQ(EstimateLongRunVariance(std::vector<double>(10, 3.0)).variance, 0.0);
  // Constant values: known exactly, read on the normal scale.
  EXPECT_EQ(EstimateLongRunVariance(std::vector<double>(10, 3.0)).NormalEquivalent(4.0), 4.0);
  // Two values: the sample variance (1 - 3)^2 / 2 = 2, inflated.
  EXPECT_GE(EstimateLongRunVariance(std::vector<double>{1.0, 3.0}).variance, 2.0);
}

TEST(LongRunVariance, DegreesOfFreedomGrowWithTheSeriesAndShrinkWithItsPersistence) {
  std::mt19937_64 rng(4);
  double independent = 0, persistent = 0, long_independent = 0;
  for (int r = 0; r < 200; ++r) {
    independent += EstimateLongRunVariance(Ar1(rng, 20, 0.0)).degrees_of_freedom / 200;
    persistent += EstimateLongRunVariance(Ar1(rng, 20, 0.6)).degrees_of_freedom / 200;
    long_independent += EstimateLongRunVariance(Ar1(rng, 300, 0.0)).degrees_of_freedom / 200;
  }
  // 1.5 x 20 / 3 = 10 at most for 20 independent values; far fewer when
  // the series looks persistent; 1.5 x 300 / 7 = 64 at most for 300.
  EXPECT_GT(independent, 6.0);
  EXPECT_LE(independent, 10.0);
  EXPECT_LT(persistent, 0.7 * independent);
  EXPECT_GT(long_independent, 50.0);
  EXPECT_LE(long_independent, 64.3);
}

TEST(LongRunVariance, NormalEquivalentMatchesStudentTails) {
  // Student's t quantiles (R: qt(0.975, 10) = 2.228139, qt(0.75, 1) = 1,
  // qt(0.999, 3) = 10.21453): the same tails as z = 1.959964, 0.6744898, 3.090232.
  const struct {
    double df, t, z;
  } cases[] = {{10, 2.228139, 1.959964}, {1, 1.0, 0.6744898}, {3, 10.21453, 3.090232}};
  for (const auto& c : cases) {
    const LongRunVarianceEstimate estimate{1.0, c.df};
    EXPECT_NEAR(estimate.NormalEquivalent(c.t), c.z, 1e-5) << c.df;
    EXPECT_NEAR(estimate.NormalEquivalent(-c.t), -c.z, 1e-5) << c.df;
    EXPECT_NEAR(estimate.StudentEquivalent(c.z), c.t, 1e-4 * c.t) << c.df;
  }
  // Many degrees of freedom: nearly the identity.
  EXPECT_NEAR((LongRunVarianceEstimate{1.0, 1e7}.NormalEquivalent(2.5)), 2.5, 1e-5);
  // Far tails stay finite.
  EXPECT_TRUE(std::isfinite(LongRunVarianceEstimate{1.0, 50}.NormalEquivalent(1e6)));
}

}  // namespace
}  // namespace kanarya::analysis
