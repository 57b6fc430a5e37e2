// Property tests with fixed seeds: on A/A data (canary and baseline from the
// same distribution) the judge calls a regression at most alpha of the time;
// on real regressions it has power. With 2000 trials the bound alpha +
// 2 sqrt(alpha (1 - alpha) / 2000) = 0.05 + 0.0097 = 0.0597 fails a judge whose
// true rate were 1.5 alpha = 0.075 (sd 0.0059) in all but 0.5 % of seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "analysis/metric_judgement.h"
#include "analysis/testing/requests.h"

namespace kanarya::analysis {
namespace {

constexpr double kConfidence = 0.95;
constexpr double kAlpha = 1 - kConfidence;
constexpr int kTrials = 2000;

using SampleFn = std::function<std::vector<double>(std::mt19937_64&, size_t)>;

double Margin(int trials) { return 2.0 * std::sqrt(kAlpha * (1 - kAlpha) / trials); }

std::vector<double> Draw(std::mt19937_64& rng, size_t n, auto distribution) {
  std::vector<double> v(n);
  for (double& x : v) x = distribution(rng);
  return v;
}

struct AaCase {
  std::string name;
  size_t baseline_size;
  size_t canary_size;
  SampleFn sample;
};

// Share of trials classified as a regression when either direction is bad.
double RegressionRate(const AaCase& c, uint64_t seed, double canary_scale) {
  std::mt19937_64 rng(seed);
  int regressions = 0;
  for (int t = 0; t < kTrials; ++t) {
    const auto baseline = c.sample(rng, c.baseline_size);
    auto canary = c.sample(rng, c.canary_size);
    for (double& x : canary) x *= canary_scale;
    const auto result = JudgeMetric(
        testing::Continuous("m", v1::DIRECTION_EITHER, baseline, canary, /*tolerance=*/0.0),
        kConfidence);
    regressions += result.classification() == v1::CLASSIFICATION_HIGH ||
                   result.classification() == v1::CLASSIFICATION_LOW;
  }
  return static_cast<double>(regressions) / kTrials;
}

std::vector<AaCase> AaCases() {
  return {
      {"normal_exact_30", 30, 30,
       [](auto& rng, size_t n) { return Draw(rng, n, std::normal_distribution<>(100, 10)); }},
      {"lognormal_unequal", 300, 20,
       [](auto& rng, size_t n) { return Draw(rng, n, std::lognormal_distribution<>(3, 0.8)); }},
      {"normal_approx_200", 200, 200,
       [](auto& rng, size_t n) { return Draw(rng, n, std::normal_distribution<>(0, 1)); }},
      {"poisson_ties_60", 60, 60,
       [](auto& rng, size_t n) {
         std::poisson_distribution<int> d(3);
         return Draw(rng, n, [&](auto& r) { return static_cast<double>(d(r)); });
       }},
      {"zero_inflated", 120, 40,
       [](auto& rng, size_t n) {
         std::bernoulli_distribution error(0.1);
         return Draw(rng, n, [&](auto& r) { return error(r) ? 1.0 : 0.0; });
       }},
  };
}

TEST(Calibration, ContinuousAaRegressionRateIsAtMostAlpha) {
  uint64_t seed = 100;
  for (const AaCase& c : AaCases()) {
    const double rate = RegressionRate(c, ++seed, 1.0);
    EXPECT_LE(rate, kAlpha + Margin(kTrials)) << c.name;
    RecordProperty(c.name, std::to_string(rate));
  }
}

TEST(Calibration, ContinuousShiftIsDetected) {
  const AaCase c{"normal_approx_200", 200, 200, [](auto& rng, size_t n) {
                   return Draw(rng, n, std::normal_distribution<>(100, 10));
                 }};
  EXPECT_GE(RegressionRate(c, 7, 1.05), 0.9);  // +5 % with 10 % noise
}

// A/A for counts: Poisson events at the same rate on both sides.
double CountRegressionRate(double base_rate, double canary_factor, int64_t baseline_total,
                           int64_t canary_total, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int64_t> baseline_events(base_rate * baseline_total);
  std::poisson_distribution<int64_t> canary_events(base_rate * canary_factor * canary_total);
  int regressions = 0;
  for (int t = 0; t < kTrials; ++t) {
    auto metric = testing::Count("errors", baseline_events(rng), baseline_total, canary_events(rng),
                                 canary_total, 0.0);
    metric.set_direction(v1::DIRECTION_EITHER);
    const auto c = JudgeMetric(metric, kConfidence).classification();
    regressions += c == v1::CLASSIFICATION_HIGH || c == v1::CLASSIFICATION_LOW;
  }
  return static_cast<double>(regressions) / kTrials;
}

TEST(Calibration, CountAaRegressionRateIsAtMostAlpha) {
  EXPECT_LE(CountRegressionRate(0.005, 1.0, 100000, 10000, 1), kAlpha + Margin(kTrials));
  EXPECT_LE(CountRegressionRate(0.0002, 1.0, 100000, 10000, 2), kAlpha + Margin(kTrials));
  EXPECT_LE(CountRegressionRate(0.05, 1.0, 5000, 5000, 3), kAlpha + Margin(kTrials));
}

TEST(Calibration, DoubledErrorRateIsDetected) {
  // 0.5 % -> 1 % with 10 % canary traffic over ~10 minutes.
  EXPECT_GE(CountRegressionRate(0.005, 2.0, 120000, 12000, 4), 0.9);
}

}  // namespace
}  // namespace kanarya::analysis
