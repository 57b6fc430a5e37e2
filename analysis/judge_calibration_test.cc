// Calibration of the fixed-horizon judge, with fixed seeds. On A/A data
// (canary and baseline from one distribution) and no tolerance, a metric is
// called a regression at most alpha of the time; with the default tolerance,
// healthy canaries of a reasonable size pass and real regressions do not.
//
// The bound, for alpha = 0.05 and kRuns = 4000 runs per shape: the false
// regression count is Binomial(4000, rate). At rate = alpha its standard
// deviation is sqrt(0.05 * 0.95 / 4000) = 0.0034, and the bound alpha + 3 sd
// = 0.0603 holds with probability 0.999. At rate = 1.5 alpha = 0.075 the sd
// is sqrt(0.075 * 0.925 / 4000) = 0.0042, and 0.075 lies 3.5 of those above
// the bound: a judge whose true rate were 1.5 alpha fails with probability
// above 0.999. (The normal approximation is slightly liberal for a canary of
// 20 points against 300: its measured rate, ~0.058, is the closest to the
// bound.)
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "analysis/metric_judgement.h"
#include "analysis/testing/histogram_ticks.h"
#include "analysis/testing/requests.h"

namespace kanarya::analysis {
namespace {

constexpr double kConfidence = 0.95;
constexpr double kAlpha = 1 - kConfidence;
constexpr int kRuns = 4000;
const double kRegressionRateBound = kAlpha + 3 * std::sqrt(kAlpha * (1 - kAlpha) / kRuns);

using SampleFn = std::function<std::vector<double>(std::mt19937_64&, size_t)>;

template <typename Distribution>
std::vector<double> Draw(std::mt19937_64& rng, size_t n, Distribution distribution) {
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<double>(distribution(rng));
  return v;
}

struct Shape {
  std::string name;
  size_t baseline_size;
  size_t canary_size;
  SampleFn sample;
};

// The shapes a continuous metric takes in practice; sizes cover the exact
// test (both sides < 50, no ties) and the normal approximation.
std::vector<Shape> Shapes() {
  return {
      {"normal_exact_30", 30, 30,
       [](auto& rng, size_t n) { return Draw(rng, n, std::normal_distribution<>(100, 10)); }},
      {"normal_approx_200", 200, 200,
       [](auto& rng, size_t n) { return Draw(rng, n, std::normal_distribution<>(100, 10)); }},
      {"lognormal_unequal_300_20", 300, 20,
       [](auto& rng, size_t n) { return Draw(rng, n, std::lognormal_distribution<>(3, 0.8)); }},
      {"poisson_ties_60", 60, 60,
       [](auto& rng, size_t n) { return Draw(rng, n, std::poisson_distribution<int>(3)); }},
      {"zero_inflated_120_40", 120, 40,
       [](auto& rng, size_t n) {
         std::bernoulli_distribution error(0.1);
         std::poisson_distribution<int> count(2);
         return Draw(rng, n, [&](auto& r) { return error(r) ? 1.0 + count(r) : 0.0; });
       }},
  };
}

struct Rates {
  double regression = 0;  // HIGH or LOW
  double pass = 0;
};

Rates ClassificationRates(const std::function<v1::MetricInput(std::mt19937_64&)>& draw_metric,
                          uint64_t seed, int runs) {
  std::mt19937_64 rng(seed);
  int regressions = 0, passes = 0;
  for (int run = 0; run < runs; ++run) {
    const v1::Classification c = JudgeMetric(draw_metric(rng), kConfidence).classification();
    regressions += c == v1::CLASSIFICATION_HIGH || c == v1::CLASSIFICATION_LOW;
    passes += c == v1::CLASSIFICATION_PASS;
  }
  return {.regression = static_cast<double>(regressions) / runs,
          .pass = static_cast<double>(passes) / runs};
}

// A continuous metric drawn from `shape`, the canary scaled by canary_scale.
auto ContinuousDraw(const Shape& shape, v1::Direction direction, double canary_scale,
                    bool default_tolerance) {
  return [=](std::mt19937_64& rng) {
    const std::vector<double> baseline = shape.sample(rng, shape.baseline_size);
    std::vector<double> canary = shape.sample(rng, shape.canary_size);
    for (double& x : canary) x *= canary_scale;
    v1::MetricInput metric = testing::Continuous("m", direction, baseline, canary, 0.0);
    if (default_tolerance) metric.clear_tolerance();
    return metric;
  };
}

// A count metric: Poisson events at base_rate (times canary_factor on the canary).
auto CountDraw(double base_rate, double canary_factor, int64_t baseline_total, int64_t canary_total,
               v1::Direction direction, bool default_tolerance) {
  return [=](std::mt19937_64& rng) {
    std::poisson_distribution<int64_t> baseline_events(base_rate * baseline_total);
    std::poisson_distribution<int64_t> canary_events(base_rate * canary_factor * canary_total);
    v1::MetricInput metric = testing::Count("errors", baseline_events(rng), baseline_total,
                                            canary_events(rng), canary_total, 0.0);
    metric.set_direction(direction);
    if (default_tolerance) metric.clear_tolerance();
    return metric;
  };
}

TEST(JudgeCalibration, ContinuousAaRegressionRateIsAtMostAlpha) {
  uint64_t seed = 1000;
  for (const Shape& shape : Shapes()) {
    const Rates rates = ClassificationRates(
        ContinuousDraw(shape, v1::DIRECTION_EITHER, 1.0, /*default_tolerance=*/false), ++seed,
        kRuns);
    EXPECT_LE(rates.regression, kRegressionRateBound) << shape.name;
    RecordProperty(shape.name, std::to_string(rates.regression));
  }
}

TEST(JudgeCalibration, CountAaRegressionRateIsAtMostAlpha) {
  struct CountShape {
    std::string name;
    double rate;
    int64_t baseline_total;
    int64_t canary_total;
  };
  uint64_t seed = 2000;
  for (const CountShape& shape : {CountShape{"errors_0.5%_10%_traffic", 0.005, 100000, 10000},
                                  CountShape{"rare_0.02%_10%_traffic", 0.0002, 100000, 10000},
                                  CountShape{"common_5%_equal_traffic", 0.05, 5000, 5000}}) {
    const Rates rates =
        ClassificationRates(CountDraw(shape.rate, 1.0, shape.baseline_total, shape.canary_total,
                                      v1::DIRECTION_EITHER, /*default_tolerance=*/false),
                            ++seed, kRuns);
    EXPECT_LE(rates.regression, kRegressionRateBound) << shape.name;
    RecordProperty(shape.name, std::to_string(rates.regression));
  }
}

// With the default tolerance, healthy canaries pass most of the time once the
// samples are of a size a canary step collects. Expected pass rates (normal
// approximation of the interval, docs/judge.md): ~99 % for 40 points of
// coefficient of variation 0.1, ~97 % for 120 log-normal points of sigma 0.2,
// ~97 % for 500 expected canary errors; 90 % leaves room for the
// approximations while a judge that cannot pass healthy canaries (the
// behaviour without a default) scores 0 %.
TEST(JudgeCalibration, HealthyCanariesPassWithTheDefaults) {
  constexpr int kPassRuns = 2000;
  const Shape normal{"normal_cv0.1_40", 40, 40, [](auto& rng, size_t n) {
                       return Draw(rng, n, std::normal_distribution<>(100, 10));
                     }};
  const Shape lognormal{"lognormal_sigma0.2_120", 120, 120, [](auto& rng, size_t n) {
                          return Draw(rng, n, std::lognormal_distribution<>(5, 0.2));
                        }};
  for (const Shape& shape : {normal, lognormal}) {
    const Rates rates = ClassificationRates(
        ContinuousDraw(shape, v1::DIRECTION_INCREASE, 1.0, /*default_tolerance=*/true), 3000,
        kPassRuns);
    EXPECT_GE(rates.pass, 0.9) << shape.name;
    EXPECT_LE(rates.regression, kAlpha) << shape.name;
    RecordProperty(shape.name, std::to_string(rates.pass));
  }
  const Rates errors = ClassificationRates(
      CountDraw(0.005, 1.0, 1000000, 100000, v1::DIRECTION_INCREASE, /*default_tolerance=*/true),
      3001, kPassRuns);
  EXPECT_GE(errors.pass, 0.9);
  RecordProperty("errors_0.5%_500_expected", std::to_string(errors.pass));
}

// The defaults do not hide regressions worth a rollback: +30 % latency on 40
// points a side, a doubled error rate over ~100 canary errors.
TEST(JudgeCalibration, RegressionsAreFoundWithTheDefaults) {
  const Shape normal{"normal_cv0.1_40", 40, 40, [](auto& rng, size_t n) {
                       return Draw(rng, n, std::normal_distribution<>(100, 10));
                     }};
  const Rates latency = ClassificationRates(
      ContinuousDraw(normal, v1::DIRECTION_INCREASE, 1.3, /*default_tolerance=*/true), 4000, kRuns);
  EXPECT_GE(latency.regression, 0.99);
  const Rates errors = ClassificationRates(
      CountDraw(0.005, 2.0, 100000, 10000, v1::DIRECTION_INCREASE, /*default_tolerance=*/true),
      4001, 1000);
  EXPECT_GE(errors.regression, 0.9);
  RecordProperty("doubled_errors", std::to_string(errors.regression));
}

// A histogram metric: log-normal request latencies (median 100 ms, sigma
// 0.5, the canary's scaled by canary_scale) counted in `bounds`.
auto HistogramDraw(const std::vector<double>& bounds, int64_t baseline_requests,
                   int64_t canary_requests, double canary_scale, bool default_tolerance) {
  const std::vector<double> baseline_shares = testing::LogNormalShares(bounds, 100, 0.5);
  const std::vector<double> canary_shares =
      testing::LogNormalShares(bounds, 100 * canary_scale, 0.5);
  return [=](std::mt19937_64& rng) {
    v1::MetricInput metric;
    metric.set_name("latency");
    metric.set_kind(v1::METRIC_KIND_HISTOGRAM);
    metric.set_direction(v1::DIRECTION_INCREASE);
    if (!default_tolerance) metric.set_tolerance(0.0);
    metric.mutable_bucket_bounds()->Add(bounds.begin(), bounds.end());
    testing::DrawBuckets(rng, baseline_requests, baseline_shares,
                         *metric.mutable_baseline_buckets());
    testing::DrawBuckets(rng, canary_requests, canary_shares, *metric.mutable_canary_buckets());
    return metric;
  };
}

TEST(JudgeCalibration, HistogramAaRegressionRateIsAtMostAlpha) {
  // Istio's buckets at 10 % canary traffic, a coarse layout with a 30-request
  // canary, and equal traffic; tolerance 0, so only the test stands between
  // an A/A comparison and HIGH.
  const std::vector<double> coarse = {50, 100, 250, 500, std::numeric_limits<double>::infinity()};
  struct HistogramShape {
    std::string name;
    std::vector<double> bounds;
    int64_t baseline_requests;
    int64_t canary_requests;
  };
  uint64_t seed = 5000;
  for (const HistogramShape& shape :
       {HistogramShape{"istio_2000_200", testing::IstioBounds(), 2000, 200},
        HistogramShape{"coarse_300_30", coarse, 300, 30},
        HistogramShape{"istio_5000_5000", testing::IstioBounds(), 5000, 5000}}) {
    const Rates rates = ClassificationRates(
        HistogramDraw(shape.bounds, shape.baseline_requests, shape.canary_requests, 1.0,
                      /*default_tolerance=*/false),
        ++seed, kRuns);
    EXPECT_LE(rates.regression, kRegressionRateBound) << shape.name;
    RecordProperty(shape.name, std::to_string(rates.regression));
  }
}

// With the defaults (tolerance 0.2, floor 1 %), a healthy canary of 20,000
// requests against 200,000 passes: every bound's share is shown within 1.2x
// or below 1 % (the tightest, the p97 bound at 250 ms, has ~670 canary
// requests above it: a 95 % ratio interval of about exp(+-0.08)). A canary
// 30 % slower over 200 requests is HIGH.
TEST(JudgeCalibration, HistogramsPassWhenHealthyAndFailWhenSlowerWithTheDefaults) {
  const Rates healthy = ClassificationRates(
      HistogramDraw(testing::IstioBounds(), 200000, 20000, 1.0, /*default_tolerance=*/true), 5100,
      1000);
  EXPECT_GE(healthy.pass, 0.9);
  EXPECT_LE(healthy.regression, kAlpha);
  RecordProperty("histogram_healthy_pass", std::to_string(healthy.pass));
  const Rates slower = ClassificationRates(
      HistogramDraw(testing::IstioBounds(), 2000, 200, 1.3, /*default_tolerance=*/true), 5101,
      1000);
  EXPECT_GE(slower.regression, 0.99);
  RecordProperty("histogram_30pct_high", std::to_string(slower.regression));
}

}  // namespace
}  // namespace kanarya::analysis
