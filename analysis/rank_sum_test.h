// The Mann-Whitney U (Wilcoxon rank-sum) test of canary against baseline,
// two-sided, by the conventions of R's wilcox.test(correct = TRUE): exact
// null distribution when both samples have fewer than 50 values and there are
// no ties, otherwise the normal approximation with tie and continuity
// corrections. Pure functions; thread-safe.
#ifndef KANARYA_ANALYSIS_RANK_SUM_TEST_H_
#define KANARYA_ANALYSIS_RANK_SUM_TEST_H_

#include <cstdint>
#include <span>

namespace kanarya::analysis {

struct RankSumTest {
  // U of the canary: sum of canary midranks - n_c (n_c + 1) / 2, i.e. the
  // number of (canary, baseline) pairs where the canary is larger, ties
  // counting one half.
  double u = 0.0;
  double p_value = 1.0;
  bool exact = false;
  // Standard deviation of U under the null, tie-corrected.
  double sigma = 0.0;
};

// Both samples sorted ascending, finite, non-empty.
RankSumTest MannWhitney(std::span<const double> canary_sorted,
                        std::span<const double> baseline_sorted);

// The same test on histograms of one layout: the requests of each side per
// bucket (each side's sum at most 2^53), every request ranked by its bucket,
// so requests in one bucket are ties. The exact rule applies as above (no
// ties: at most one request per bucket, fewer than 50 a side).
RankSumTest BucketRankSum(std::span<const int64_t> canary_buckets,
                          std::span<const int64_t> baseline_buckets);

// Whether the exact distribution applies (both sizes < 50, no ties).
bool UsesExactDistribution(size_t canary_size, size_t baseline_size, bool has_ties);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_RANK_SUM_TEST_H_
