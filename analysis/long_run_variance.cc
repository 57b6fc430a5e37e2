#include "analysis/long_run_variance.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace kanarya::analysis {
namespace {

// Sum over i of (x[i] - mean)(x[i - lag] - mean), divided by n.
double Autocovariance(std::span<const double> x, double mean, size_t lag) {
  double sum = 0;
  for (size_t i = lag; i < x.size(); ++i) sum += (x[i] - mean) * (x[i - lag] - mean);
  return sum / static_cast<double>(x.size());
}

}  // namespace

double LongRunVariance(std::span<const double> values) {
  const size_t n = values.size();
  if (n < 2) return 0.0;
  const double count = static_cast<double>(n);
  double mean = 0;
  for (double x : values) mean += x;
  mean /= count;
  const double variance = Autocovariance(values, mean, 0);
  if (variance <= 0) return 0.0;

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
  return inflation * variance / std::max(1.0 - inflation / count, 0.25);
}

}  // namespace kanarya::analysis
