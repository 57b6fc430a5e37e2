#include "analysis/rank_sum_test.h"

#include <cmath>
#include <cstdint>

#include "analysis/exact_rank_sum_distribution.h"
#include "analysis/normal.h"

namespace kanarya::analysis {

bool UsesExactDistribution(size_t canary_size, size_t baseline_size, bool has_ties) {
  return canary_size < 50 && baseline_size < 50 && !has_ties;
}

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

  const double m = static_cast<double>(canary.size());
  const double n = static_cast<double>(baseline.size());
  const double total = m + n;
  RankSumTest result;
  result.u = u;
  const double variance_factor =
      total > 1 ? (total + 1.0) - tie_sum / (total * (total - 1.0)) : total + 1.0;
  result.sigma = std::sqrt(m * n / 12.0 * variance_factor);
  result.exact = UsesExactDistribution(canary.size(), baseline.size(), tie_sum > 0);
  if (result.exact) {
    const ExactRankSumDistribution distribution(static_cast<int>(canary.size()),
                                                static_cast<int>(baseline.size()));
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

}  // namespace kanarya::analysis
