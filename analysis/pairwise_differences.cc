#include "analysis/pairwise_differences.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace kanarya::analysis {
namespace {

// Row i holds canary[i] - baseline[j], which does not increase with j; a
// value p splits each row at the first column whose difference is <= p. One
// search keeps two such splits, for values a < b with
//   #{d <= a} < rank <= #{d <= b},
// and moves them together until few differences remain in (a, b].
class RankSearch {
 public:
  RankSearch(std::span<const double> canary, std::span<const double> baseline, uint64_t rank)
      : canary_(canary),
        baseline_(baseline),
        rank_(rank),
        limit_(std::max<uint64_t>(canary.size() + baseline.size(), 1024)),
        low_split_(canary.size(), baseline.size()),
        high_split_(canary.size(), 0),
        low_(std::nextafter(canary.front() - baseline.back(),
                            -std::numeric_limits<double>::infinity())),
        high_(canary.back() - baseline.front()),
        low_count_(0),
        high_count_(static_cast<uint64_t>(canary.size()) * baseline.size()) {}

  double Run() {
    bool interpolate = true;
    while (high_count_ - low_count_ > limit_) {
      const uint64_t before = high_count_ - low_count_;
      if (interpolate) {
        InterpolationStep();
      } else {
        const double middle = low_ + (high_ - low_) / 2;
        // No double between the bounds: every candidate equals high_.
        if (!(middle > low_ && middle < high_)) return high_;
        Probe(middle);
      }
      // Interpolation assumes locally even spacing; when it fails to halve
      // the candidates, bisect once to guarantee progress.
      interpolate = high_count_ - low_count_ <= before / 2;
    }
    return Materialize();
  }

 private:
  double At(size_t i, size_t j) const { return canary_[i] - baseline_[j]; }

  // Aims two probes a guard band either side of where the rank would sit if
  // the differences in (low, high] were evenly spaced.
  void InterpolationStep() {
    const double candidates = static_cast<double>(high_count_ - low_count_);
    const double target = static_cast<double>(rank_ - low_count_);
    const double guard = static_cast<double>(limit_) / 4;
    const double width = high_ - low_;
    const double below = low_ + width * std::max(target - guard, 0.0) / candidates;
    if (below > low_ && below < high_ && !Probe(below)) return;
    const double above = low_ + width * std::min(target + guard, candidates) / candidates;
    if (above > low_ && above < high_) Probe(above);
  }

  // Counts the differences <= p and moves the bound on that side to p.
  // Returns whether p became the low bound.
  bool Probe(double p) {
    probe_split_.resize(canary_.size());
    const size_t n = baseline_.size();
    uint64_t count = 0;
    size_t j = 0;
    for (size_t i = 0; i < canary_.size(); ++i) {
      while (j < n && At(i, j) > p) ++j;
      probe_split_[i] = j;
      count += n - j;
    }
    if (count < rank_) {
      low_ = p;
      low_count_ = count;
      low_split_.swap(probe_split_);
      return true;
    }
    high_ = p;
    high_count_ = count;
    high_split_.swap(probe_split_);
    return false;
  }

  double Materialize() const {
    std::vector<double> values;
    values.reserve(high_count_ - low_count_);
    for (size_t i = 0; i < canary_.size(); ++i) {
      for (size_t j = high_split_[i]; j < low_split_[i]; ++j) values.push_back(At(i, j));
    }
    const auto nth = values.begin() + static_cast<ptrdiff_t>(rank_ - low_count_ - 1);
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
  }

  std::span<const double> canary_;
  std::span<const double> baseline_;
  const uint64_t rank_;
  const uint64_t limit_;  // few enough candidates to select among directly
  std::vector<size_t> low_split_;
  std::vector<size_t> high_split_;
  std::vector<size_t> probe_split_;
  double low_;
  double high_;
  uint64_t low_count_;   // differences <= low_
  uint64_t high_count_;  // differences <= high_
};

}  // namespace

PairwiseDifferences::PairwiseDifferences(std::span<const double> canary_sorted,
                                         std::span<const double> baseline_sorted)
    : canary_(canary_sorted), baseline_(baseline_sorted) {}

double PairwiseDifferences::Select(uint64_t rank) const {
  return RankSearch(canary_, baseline_, rank).Run();
}

PairwiseDifferences::Pair PairwiseDifferences::SelectPair(uint64_t first) const {
  const double at_first = Select(first);
  if (first == size()) return {at_first, at_first};
  // The next rank is either a tie of at_first or, per row, the smallest
  // difference above it: the one just left of the row's split at at_first.
  uint64_t at_most = 0;
  double next_above = std::numeric_limits<double>::infinity();
  const size_t n = baseline_.size();
  size_t j = 0;
  for (size_t i = 0; i < canary_.size(); ++i) {
    while (j < n && canary_[i] - baseline_[j] > at_first) ++j;
    at_most += n - j;
    if (j > 0) next_above = std::min(next_above, canary_[i] - baseline_[j - 1]);
  }
  return {at_first, at_most > first ? at_first : next_above};
}

double PairwiseDifferences::Median() const {
  const uint64_t count = size();
  if (count % 2 == 1) return Select(count / 2 + 1);
  const Pair middle = SelectPair(count / 2);
  return 0.5 * middle.first + 0.5 * middle.second;
}

}  // namespace kanarya::analysis
