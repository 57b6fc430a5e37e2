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
  const double estimate = LongRunVariance(Ar1(rng, 5000, 0.0));
  EXPECT_GT(estimate, 0.97);
  EXPECT_LT(estimate, 1.15);
}

TEST(LongRunVariance, Ar1ReachesItsLongRunVariance) {
  // sigma^2 (1 + phi) / (1 - phi): 4 at phi = 0.6, 1.86 at 0.3.
  std::mt19937_64 rng(2);
  for (double phi : {0.3, 0.6}) {
    double mean = 0;
    for (int r = 0; r < 50; ++r) mean += LongRunVariance(Ar1(rng, 2000, phi)) / 50;
    EXPECT_NEAR(mean, (1 + phi) / (1 - phi), 0.1 * (1 + phi) / (1 - phi)) << phi;
  }
}

TEST(LongRunVariance, ShortSeriesAreNotUnderestimatedOnAverage) {
  // Twelve ticks of AR(0.6): the plain sample variance averages about
  // 1 - 4/12 of the marginal variance, a quarter of the long-run one; the
  // corrections recover most of it.
  std::mt19937_64 rng(3);
  double mean = 0;
  for (int r = 0; r < 4000; ++r) mean += LongRunVariance(Ar1(rng, 12, 0.6)) / 4000;
  EXPECT_GT(mean, 0.75 * 4.0);
}

TEST(LongRunVariance, DegenerateSeries) {
  EXPECT_EQ(LongRunVariance(std::vector<double>{}), 0.0);
  EXPECT_EQ(LongRunVariance(std::vector<double>{3.0}), 0.0);
  EXPECT_EQ(LongRunVariance(std::vector<double>(10, 3.0)), 0.0);
  // Two values: the sample variance (1 - 3)^2 / 2 = 2, inflated.
  EXPECT_GE(LongRunVariance(std::vector<double>{1.0, 3.0}), 2.0);
}

}  // namespace
}  // namespace kanarya::analysis
