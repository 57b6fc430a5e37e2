#include "analysis/long_run_variance.h"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstddef>
#include <limits>

#include "analysis/normal.h"

namespace kanarya::analysis {
namespace {

// Sum over i of (x[i] - mean)(x[i - lag] - mean), divided by n.
double Autocovariance(std::span<const double> x, double mean, size_t lag) {
  double sum = 0;
  for (size_t i = lag; i < x.size(); ++i) sum += (x[i] - mean) * (x[i - lag] - mean);
  return sum / static_cast<double>(x.size());
}

// Tail probabilities below this are treated as this: z about 37.5, beyond
// any evidence threshold.
constexpr double kSmallestTail = std::numeric_limits<double>::min();

}  // namespace

double LongRunVarianceEstimate::NormalEquivalent(double t) const {
  if (std::isnan(t) || std::isinf(degrees_of_freedom)) return t;
  const boost::math::students_t student(degrees_of_freedom);
  const double tail = boost::math::cdf(boost::math::complement(student, std::fabs(t)));
  const double z = -NormalQuantile(std::max(tail, kSmallestTail));
  return t < 0 ? -z : z;
}

double LongRunVarianceEstimate::StudentEquivalent(double z) const {
  if (std::isnan(z) || std::isinf(degrees_of_freedom)) return z;
  const boost::math::students_t student(degrees_of_freedom);
  const double tail = std::max(NormalUpperTail(std::fabs(z)), kSmallestTail);
  const double t = boost::math::quantile(boost::math::complement(student, tail));
  return z < 0 ? -t : t;
}

LongRunVarianceEstimate EstimateLongRunVariance(std::span<const double> values) {
  const size_t n = values.size();
  if (n < 2) return {};
  const double count = static_cast<double>(n);
  double mean = 0;
  for (double x : values) mean += x;
  mean /= count;
  const double variance = Autocovariance(values, mean, 0);
  if (variance <= 0) return {};

  // Newey-West with the Bartlett kernel: positive by construction.
  const size_t bandwidth = static_cast<size_t>(std::ceil(std::cbrt(count)));
  double newey_west = variance;
  for (size_t lag = 1; lag < bandwidth && lag < n; ++lag) {
    const double weight = 1.0 - static_cast<double>(lag) / static_cast<double>(bandwidth);
    newey_west += 2 * weight * Autocovariance(values, mean, lag);
  }
  // AR(1): sigma^2 (1 + phi) / (1 - phi), with Kendall's first-order bias
  // correction of the lag-1 autocorrelation, E[r] ~ phi - (1 + 3 phi) / n:
  // short series hide their persistence, and this sees more of it than the
  // kernel estimate does before its bandwidth grows.
  double phi = Autocovariance(values, mean, 1) / variance;
  phi = std::clamp(phi + (1 + 3 * phi) / count, 0.0, 0.95);
  const double inflation = std::max({1.0, newey_west / variance, (1 + phi) / (1 - phi)});
  // The sample mean absorbs its own variance, inflation x variance / n on the
  // long-run scale: E[variance] ~ marginal - long_run / n. Undo that (at most
  // 4x, for series too short to say).
  const double long_run = inflation * variance / std::max(1.0 - inflation / count, 0.25);
  // The Bartlett estimator's variance is about (4/3) (bandwidth / n) times
  // its square (Andrews 1991), that of a chi-square over its degrees of
  // freedom 1.5 n / bandwidth. Dependent values carry less than one value's
  // information each: count them as n / inflation. Early on, and the more
  // so the more persistent the series looks, the estimate may be far too
  // low; the heavier tails of Student's t account for that.
  const double effective = count / inflation;
  return {long_run, std::max(1.0, 1.5 * effective / static_cast<double>(bandwidth))};
}

}  // namespace kanarya::analysis
