// Order statistics of the m*n differences canary[i] - baseline[j] of two
// sorted samples, found without materialising them. Every query is a count of
// the differences <= p, one merge-like O(m + n) pass; a search brackets its
// rank between counted values (first from a coarse grid of sample quantiles,
// then by interpolation, bisecting when that stalls) and selects among the few
// differences left in the bracket. Ranks asked together share their counts,
// so the interval ends next to the median cost little more than the median.
// Differences are the rounded doubles canary[i] - baseline[j], exactly as a
// brute-force sort would see them. Thread-compatible: const methods may run
// concurrently.
#ifndef KANARYA_ANALYSIS_PAIRWISE_DIFFERENCES_H_
#define KANARYA_ANALYSIS_PAIRWISE_DIFFERENCES_H_

#include <cstdint>
#include <span>
#include <vector>

namespace kanarya::analysis {

class PairwiseDifferences {
 public:
  // Both samples must be sorted ascending, finite, non-empty, and their
  // differences finite; the spans must outlive this object.
  PairwiseDifferences(std::span<const double> canary_sorted,
                      std::span<const double> baseline_sorted);

  uint64_t size() const { return static_cast<uint64_t>(canary_.size()) * baseline_.size(); }

  // The differences at the given 1-based ranks (each in [1, size()]), in the
  // order asked.
  std::vector<double> Select(std::span<const uint64_t> ranks) const;
  double Select(uint64_t rank) const { return Select(std::span<const uint64_t>(&rank, 1))[0]; }

  // Mean of the two middle differences when size() is even, else the middle one.
  double Median() const;

 private:
  std::span<const double> canary_;
  std::span<const double> baseline_;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_PAIRWISE_DIFFERENCES_H_
