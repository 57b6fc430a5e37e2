#include "analysis/rank_sum_test.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "analysis/exact_rank_sum_distribution.h"
#include "analysis/normal.h"

namespace kanarya::analysis {

bool UsesExactDistribution(size_t canary_size, size_t baseline_size, bool has_ties) {
  return canary_size < 50 && baseline_size < 50 && !has_ties;
}

namespace {

RankSumTest Finish(double u, double tie_sum, size_t canary_size, size_t baseline_size) {
  const double m = static_cast<double>(canary_size);
  const double n = static_cast<double>(baseline_size);
  const double total = m + n;
  RankSumTest result;
  result.u = u;
  // With nearly every value in one tie group the bracket cancels to ~0 and
  // may round below it.
  const double variance_factor =
      total > 1 ? std::max(0.0, (total + 1.0) - tie_sum / (total * (total - 1.0))) : total + 1.0;
  result.sigma = std::sqrt(m * n / 12.0 * variance_factor);
  result.exact = UsesExactDistribution(canary_size, baseline_size, tie_sum > 0);
  if (result.exact) {
    const ExactRankSumDistribution distribution(static_cast<int>(canary_size),
                                                static_cast<int>(baseline_size));
    result.p_value = distribution.TwoSidedPValue(static_cast<int64_t>(u));
    return result;
  }
  if (result.sigma == 0.0) {
    result.p_value = 1.0;  // every value tied: no evidence of any difference
    return result;
  }
  double z = u - m * n / 2.0;
  const double continuity = z > 0 ? 0.5 : (z < 0 ? -0.5 : 0.0);
  z = (z - continuity) / result.sigma;
  result.p_value = std::fmin(1.0, 2.0 * NormalUpperTail(std::fabs(z)));
  return result;
}

}  // namespace

RankSumTest MannWhitney(std::span<const double> canary, std::span<const double> baseline) {
  // Merge the sorted samples one distinct value at a time, counting how many
  // baseline values lie below each canary value.
  double u = 0.0;
  double tie_sum = 0.0;  // sum over tie groups of t^3 - t
  size_t i = 0;
  size_t j = 0;
  while (i < canary.size() || j < baseline.size()) {
    const double value = j == baseline.size() || (i < canary.size() && canary[i] < baseline[j])
                             ? canary[i]
                             : baseline[j];
    const size_t baseline_below = j;
    size_t canary_equal = 0;
    size_t baseline_equal = 0;
    while (i < canary.size() && canary[i] == value) ++i, ++canary_equal;
    while (j < baseline.size() && baseline[j] == value) ++j, ++baseline_equal;
    u += static_cast<double>(canary_equal) *
         (static_cast<double>(baseline_below) + 0.5 * static_cast<double>(baseline_equal));
    const double t = static_cast<double>(canary_equal + baseline_equal);
    tie_sum += (t - 1.0) * t * (t + 1.0);
  }

  return Finish(u, tie_sum, canary.size(), baseline.size());
}

RankSumTest BucketRankSum(std::span<const int64_t> canary, std::span<const int64_t> baseline) {
  // Each bucket is one tie group: the canary's requests in it outrank every
  // baseline request in the buckets below and tie with the baseline's in it.
  double u = 0.0;
  double tie_sum = 0.0;
  double baseline_below = 0.0;
  size_t canary_size = 0, baseline_size = 0;
  for (size_t k = 0; k < canary.size() && k < baseline.size(); ++k) {
    const double c = static_cast<double>(canary[k]);
    const double b = static_cast<double>(baseline[k]);
    u += c * (baseline_below + 0.5 * b);
    const double t = c + b;
    tie_sum += (t - 1.0) * t * (t + 1.0);
    baseline_below += b;
    canary_size += static_cast<size_t>(canary[k]);
    baseline_size += static_cast<size_t>(baseline[k]);
  }
  return Finish(u, tie_sum, canary_size, baseline_size);
}

}  // namespace kanarya::analysis
