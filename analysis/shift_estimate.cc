#include "analysis/shift_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "analysis/exact_rank_sum_distribution.h"
#include "analysis/normal.h"
#include "analysis/pairwise_differences.h"

namespace kanarya::analysis {
namespace {

uint64_t ConfidenceRank(size_t m, size_t n, const RankSumTest& test, double alpha) {
  const uint64_t mn = static_cast<uint64_t>(m) * n;
  if (test.exact) {
    const ExactRankSumDistribution distribution(static_cast<int>(m), static_cast<int>(n));
    return static_cast<uint64_t>(std::max<int64_t>(1, distribution.Quantile(alpha / 2)));
  }
  const double k =
      std::floor(static_cast<double>(mn) / 2.0 - NormalQuantile(1.0 - alpha / 2) * test.sigma);
  return static_cast<uint64_t>(std::clamp(k, 1.0, static_cast<double>(mn)));
}

}  // namespace

ShiftEstimate EstimateShift(std::span<const double> canary, std::span<const double> baseline,
                            const RankSumTest& test, double confidence_level) {
  const PairwiseDifferences differences(canary, baseline);
  const uint64_t k = ConfidenceRank(canary.size(), baseline.size(), test, 1.0 - confidence_level);
  const uint64_t mn = differences.size();
  // One call shares the counting between ranks; for an odd mn both middle
  // ranks are the median.
  const uint64_t ranks[] = {(mn + 1) / 2, mn / 2 + 1, k, mn - k + 1};
  const std::vector<double> at = differences.Select(ranks);
  return {.hodges_lehmann = 0.5 * at[0] + 0.5 * at[1], .ci_lower = at[2], .ci_upper = at[3]};
}

}  // namespace kanarya::analysis
