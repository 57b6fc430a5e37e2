// The Hodges-Lehmann estimate of the canary's shift (median of all canary -
// baseline differences) and its distribution-free confidence interval from
// order statistics of those differences. Pure functions; thread-safe.
#ifndef KANARYA_ANALYSIS_SHIFT_ESTIMATE_H_
#define KANARYA_ANALYSIS_SHIFT_ESTIMATE_H_

#include <span>

#include "analysis/rank_sum_test.h"

namespace kanarya::analysis {

struct ShiftEstimate {
  double hodges_lehmann = 0.0;
  double ci_lower = 0.0;
  double ci_upper = 0.0;
};

// The interval is [D(k), D(mn - k + 1)] over the ascending differences D:
// exact test -> k = qwilcox(alpha / 2, m, n), at least 1; otherwise
// k = max(1, floor(mn / 2 - z(1 - alpha / 2) * sigma)), with test.sigma the
// tie-corrected standard deviation of U. Samples sorted, finite, non-empty.
ShiftEstimate EstimateShift(std::span<const double> canary_sorted,
                            std::span<const double> baseline_sorted, const RankSumTest& test,
                            double confidence_level);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_SHIFT_ESTIMATE_H_
