#include "analysis/pairwise_differences.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace kanarya::analysis {
namespace {

// Small, fast generator with a fixed seed: the search is deterministic.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// Row i holds canary[i] - baseline[j], which does not increase with j. The
// candidates still possibly at the searched ranks are, per row, the columns
// [begin[i], end[i]): columns before begin hold larger differences, columns
// from end on hold smaller ones.
class Search {
 public:
  Search(std::span<const double> canary, std::span<const double> baseline, uint64_t first,
         uint64_t last)
      : canary_(canary),
        baseline_(baseline),
        first_(first),
        last_(last),
        begin_(canary.size(), 0),
        end_(canary.size(), baseline.size()),
        rng_(0x6b616e617279a11eULL ^ first) {}

  // Values at ranks first and last (last - first <= 1).
  std::pair<double, double> Run() {
    const size_t n = baseline_.size();
    const uint64_t materialize_limit = std::max<uint64_t>(4096, canary_.size() + n);
    for (;;) {
      const uint64_t candidates = CountCandidates();
      if (candidates <= materialize_limit) return Materialize();
      const auto [low_pivot, high_pivot] = DrawPivots(candidates);
      CountBelow(low_pivot, /*inclusive=*/false, low_split_);
      CountBelow(high_pivot, /*inclusive=*/true, high_split_);
      const uint64_t below_low = Total(low_split_);   // differences <  low_pivot
      const uint64_t upto_high = Total(high_split_);  // differences <= high_pivot
      if (below_low < first_ && last_ <= upto_high && low_pivot == high_pivot) {
        return {low_pivot, low_pivot};
      }
      for (size_t i = 0; i < canary_.size(); ++i) {
        // Columns from a split index on hold differences below (or at most)
        // the pivot; columns before it hold differences at or above it.
        if (below_low < first_) end_[i] = std::min(end_[i], low_split_[i]);
        if (last_ <= below_low) begin_[i] = std::max(begin_[i], low_split_[i]);
        if (last_ <= upto_high) begin_[i] = std::max(begin_[i], high_split_[i]);
        if (upto_high < first_) end_[i] = std::min(end_[i], high_split_[i]);
      }
    }
  }

 private:
  double At(size_t i, size_t j) const { return canary_[i] - baseline_[j]; }

  uint64_t CountCandidates() {
    uint64_t total = 0;
    known_below_ = 0;
    for (size_t i = 0; i < canary_.size(); ++i) {
      total += end_[i] - begin_[i];
      known_below_ += baseline_.size() - end_[i];
    }
    return total;
  }

  // How many differences the split leaves below it, over all rows.
  uint64_t Total(const std::vector<size_t>& split) const {
    uint64_t total = 0;
    for (size_t j : split) total += baseline_.size() - j;
    return total;
  }

  // split[i] = the first column of row i whose difference is < pivot (or <=
  // pivot when inclusive); the columns from there on all qualify.
  void CountBelow(double pivot, bool inclusive, std::vector<size_t>& split) const {
    const size_t n = baseline_.size();
    split.resize(canary_.size());
    size_t j = 0;
    // As canary[i] grows the boundary column moves right: one pass in all.
    for (size_t i = 0; i < canary_.size(); ++i) {
      if (inclusive) {
        while (j < n && At(i, j) > pivot) ++j;
      } else {
        while (j < n && At(i, j) >= pivot) ++j;
      }
      split[i] = j;
    }
  }

  std::pair<double, double> DrawPivots(uint64_t candidates) {
    const size_t sample_size = static_cast<size_t>(
        std::clamp<double>(std::sqrt(static_cast<double>(candidates)) * 2.0, 256.0, 16384.0));
    prefix_.resize(canary_.size() + 1);
    prefix_[0] = 0;
    for (size_t i = 0; i < canary_.size(); ++i) prefix_[i + 1] = prefix_[i] + end_[i] - begin_[i];
    sample_.resize(sample_size);
    for (double& value : sample_) {
      const uint64_t u = rng_.Next() % candidates;
      const size_t row = static_cast<size_t>(std::upper_bound(prefix_.begin(), prefix_.end(), u) -
                                             prefix_.begin() - 1);
      value = At(row, begin_[row] + (u - prefix_[row]));
    }
    std::sort(sample_.begin(), sample_.end());
    // The searched ranks sit near this position of the sorted sample; widen
    // by ~2.5 standard deviations of a sample quantile on each side.
    const double s = static_cast<double>(sample_size);
    const double spread = 2.5 * std::sqrt(s);
    const double low_at = static_cast<double>(first_ - known_below_ - 1) / candidates * s;
    const double high_at = static_cast<double>(last_ - known_below_) / candidates * s;
    const auto index = [&](double position) {
      return static_cast<size_t>(std::clamp(position, 0.0, s - 1));
    };
    return {sample_[index(low_at - spread)], sample_[index(high_at + spread)]};
  }

  std::pair<double, double> Materialize() const {
    std::vector<double> values;
    for (size_t i = 0; i < canary_.size(); ++i) {
      for (size_t j = begin_[i]; j < end_[i]; ++j) values.push_back(At(i, j));
    }
    const size_t offset = static_cast<size_t>(first_ - known_below_ - 1);
    std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(offset), values.end());
    const double at_first = values[offset];
    if (last_ == first_) return {at_first, at_first};
    return {at_first,
            *std::min_element(values.begin() + static_cast<ptrdiff_t>(offset) + 1, values.end())};
  }

  std::span<const double> canary_;
  std::span<const double> baseline_;
  const uint64_t first_;
  const uint64_t last_;
  std::vector<size_t> begin_;
  std::vector<size_t> end_;
  uint64_t known_below_ = 0;
  SplitMix64 rng_;
  // Scratch reused across rounds.
  std::vector<size_t> low_split_;
  std::vector<size_t> high_split_;
  std::vector<uint64_t> prefix_;
  std::vector<double> sample_;
};

}  // namespace

PairwiseDifferences::PairwiseDifferences(std::span<const double> canary_sorted,
                                         std::span<const double> baseline_sorted)
    : canary_(canary_sorted), baseline_(baseline_sorted) {}

double PairwiseDifferences::Select(uint64_t rank) const {
  return Search(canary_, baseline_, rank, rank).Run().first;
}

PairwiseDifferences::Pair PairwiseDifferences::SelectPair(uint64_t first) const {
  const uint64_t last = std::min(first + 1, size());
  const auto [a, b] = Search(canary_, baseline_, first, last).Run();
  return {a, b};
}

double PairwiseDifferences::Median() const {
  const uint64_t count = size();
  if (count % 2 == 1) return Select(count / 2 + 1);
  const Pair middle = SelectPair(count / 2);
  return 0.5 * middle.first + 0.5 * middle.second;
}

}  // namespace kanarya::analysis
