// Order statistics of the m*n differences canary[i] - baseline[j] of two
// sorted samples, found without materialising them: each query narrows a value
// bracket around the rank by interpolation (bisection when that stalls),
// counting with one merge-like O(m + n) pass per probe, then selects among the
// few differences left. 10^5 values a side (10^10 differences) take
// milliseconds. Differences are the rounded doubles
// canary[i] - baseline[j], exactly as a brute-force sort would see them.
// Thread-compatible: const methods may be called concurrently.
#ifndef KANARYA_ANALYSIS_PAIRWISE_DIFFERENCES_H_
#define KANARYA_ANALYSIS_PAIRWISE_DIFFERENCES_H_

#include <cstdint>
#include <span>

namespace kanarya::analysis {

class PairwiseDifferences {
 public:
  // Both samples must be sorted ascending, finite and non-empty; the spans
  // must outlive this object.
  PairwiseDifferences(std::span<const double> canary_sorted,
                      std::span<const double> baseline_sorted);

  uint64_t size() const { return static_cast<uint64_t>(canary_.size()) * baseline_.size(); }

  // The rank-th smallest difference, 1-based: rank in [1, size()].
  double Select(uint64_t rank) const;

  // Mean of the two middle differences when size() is even, else the middle one.
  double Median() const;

 private:
  // The values of ranks first and first + 1 (the second only when
  // first < size()); computing both costs one search.
  struct Pair {
    double first;
    double second;
  };
  Pair SelectPair(uint64_t first) const;

  std::span<const double> canary_;
  std::span<const double> baseline_;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_PAIRWISE_DIFFERENCES_H_
