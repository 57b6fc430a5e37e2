#include "analysis/pairwise_differences.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>

namespace kanarya::analysis {
namespace {

// A value and how many differences are <= it.
struct CountedValue {
  double value;
  uint64_t count;
};

// Searches share one ascending list of counted values. Row i of the
// difference matrix, canary[i] - baseline[j], does not increase with j.
class Selector {
 public:
  Selector(std::span<const double> canary, std::span<const double> baseline)
      : canary_(canary),
        baseline_(baseline),
        size_(static_cast<uint64_t>(canary.size()) * baseline.size()),
        limit_(std::max<uint64_t>((canary.size() + baseline.size()) / 8, 256)) {
    const double smallest = canary.front() - baseline.back();
    counted_ = {{std::nextafter(smallest, -std::numeric_limits<double>::infinity()), 0},
                {canary.back() - baseline.front(), size_}};
  }

  double Select(uint64_t rank) {
    bool first_step = true;
    bool interpolate = true;
    for (;;) {
      const auto [low, high] = Bracket(rank);
      const uint64_t span = high.count - low.count;
      if (span <= limit_) return Materialize(rank, low, high);
      if (first_step && span > size_ / 8) {
        ProbeFromGrid(rank);
      } else if (interpolate) {
        ProbeByInterpolation(rank, low, high);
      } else {
        const double middle = low.value + (high.value - low.value) / 2;
        // No double strictly inside: every candidate equals high.value.
        if (!(middle > low.value && middle < high.value)) return high.value;
        CountPair(middle, middle);
      }
      first_step = false;
      const auto [new_low, new_high] = Bracket(rank);
      // Interpolation assumes evenly spread differences; when it fails to
      // halve the candidates, bisect once to guarantee progress.
      interpolate = new_high.count - new_low.count <= span / 2;
    }
  }

 private:
  double At(size_t i, size_t j) const { return canary_[i] - baseline_[j]; }

  // The tightest counted values with low.count < rank <= high.count.
  std::pair<CountedValue, CountedValue> Bracket(uint64_t rank) const {
    const auto high =
        std::lower_bound(counted_.begin(), counted_.end(), rank,
                         [](const CountedValue& c, uint64_t r) { return c.count < r; });
    return {*(high - 1), *high};
  }

  // Counts the differences <= low_probe and <= high_probe (low_probe <=
  // high_probe) in one pass, and remembers both.
  void CountPair(double low_probe, double high_probe) {
    const size_t n = baseline_.size();
    const double* baseline = baseline_.data();
    uint64_t low_count = 0;
    uint64_t high_count = 0;
    // Per row, the first column whose difference is <= the probe. Both move
    // right as the canary value grows, and the high probe's never lies right
    // of the low probe's.
    size_t low_column = 0;
    size_t high_column = 0;
    for (const double c : canary_) {
      while (high_column < n && c - baseline[high_column] > high_probe) ++high_column;
      low_column = std::max(low_column, high_column);
      while (low_column < n && c - baseline[low_column] > low_probe) ++low_column;
      if (high_column == n) break;  // later rows have nothing <= either probe
      low_count += n - low_column;
      high_count += n - high_column;
    }
    Remember({low_probe, low_count});
    Remember({high_probe, high_count});
  }

  void Remember(CountedValue counted) {
    const auto at = std::lower_bound(counted_.begin(), counted_.end(), counted.value,
                                     [](const CountedValue& c, double v) { return c.value < v; });
    if (at == counted_.end() || at->value != counted.value) counted_.insert(at, counted);
  }

  // Two probes a guard band either side of where the rank would sit if the
  // differences between the bracket's values were evenly spread. The band
  // grows with the bracket, whose spread is less even the wider it is.
  void ProbeByInterpolation(uint64_t rank, const CountedValue& low, const CountedValue& high) {
    const double candidates = static_cast<double>(high.count - low.count);
    const double target = static_cast<double>(rank - low.count);
    const double guard = std::max(static_cast<double>(limit_) / 4, candidates / 4096);
    const double width = high.value - low.value;
    CountInside(low, high, low.value + width * std::max(target - guard, 0.0) / candidates,
                low.value + width * std::min(target + guard, candidates) / candidates);
  }

  // Counts the two probes, each clamped into the bracket's open interior.
  void CountInside(const CountedValue& low, const CountedValue& high, double low_probe,
                   double high_probe) {
    const auto inside = [&](double p) {
      if (p > low.value && p < high.value) return p;
      return low.value + (high.value - low.value) / 2;
    };
    double first = inside(low_probe);
    double second = inside(high_probe);
    if (first > second) std::swap(first, second);
    CountPair(first, second);
  }

  // The first probes of a wide bracket come from the differences of a coarse
  // grid of sample quantiles, which follow the shape of the whole difference
  // distribution; interpolation is only good once the bracket is local.
  void ProbeFromGrid(uint64_t rank) {
    if (grid_.empty()) BuildGrid();
    const double fraction = static_cast<double>(rank) / static_cast<double>(size_);
    const double band = 2.0 / static_cast<double>(kGridSide);
    // Two selections in the unsorted grid cost less than sorting it.
    const auto at = [&](double f) {
      const double position = std::clamp(f, 0.0, 1.0) * static_cast<double>(grid_.size() - 1);
      const auto nth = grid_.begin() + static_cast<ptrdiff_t>(position);
      std::nth_element(grid_.begin(), nth, grid_.end());
      return *nth;
    };
    const auto [low, high] = Bracket(rank);
    CountInside(low, high, at(fraction - band), at(fraction + band));
  }

  void BuildGrid() {
    const auto quantiles = [](std::span<const double> sorted) {
      const size_t points = std::min(sorted.size(), kGridSide);
      std::vector<double> q(points);
      for (size_t k = 0; k < points; ++k) q[k] = sorted[(2 * k + 1) * sorted.size() / (2 * points)];
      return q;
    };
    const std::vector<double> c = quantiles(canary_);
    const std::vector<double> b = quantiles(baseline_);
    grid_.reserve(c.size() * b.size());
    for (double x : c) {
      for (double y : b) grid_.push_back(x - y);
    }
  }

  // Collects the differences in (low.value, high.value] in one pass and
  // selects the rank among them.
  double Materialize(uint64_t rank, const CountedValue& low, const CountedValue& high) {
    std::vector<double>& values = materialized_;
    const auto nth = [&] { return values.begin() + static_cast<ptrdiff_t>(rank - low.count - 1); };
    if (materialized_low_ == low.count && materialized_high_ == high.count) {
      std::nth_element(values.begin(), nth(), values.end());  // the next rank of the same bracket
      return *nth();
    }
    materialized_low_ = low.count;
    materialized_high_ = high.count;
    values.clear();
    const size_t n = baseline_.size();
    size_t above_high = 0;  // first column with difference <= high.value
    size_t above_low = 0;   // first column with difference <= low.value
    for (size_t i = 0; i < canary_.size(); ++i) {
      while (above_high < n && At(i, above_high) > high.value) ++above_high;
      while (above_low < n && At(i, above_low) > low.value) ++above_low;
      for (size_t j = above_high; j < above_low; ++j) values.push_back(At(i, j));
    }
    std::nth_element(values.begin(), nth(), values.end());
    return *nth();
  }

  static constexpr size_t kGridSide = 48;

  std::span<const double> canary_;
  std::span<const double> baseline_;
  const uint64_t size_;
  const uint64_t limit_;               // few enough candidates to select among directly
  std::vector<CountedValue> counted_;  // ascending in value and count
  std::vector<double> grid_;
  // The differences of the last bracket collected, identified by its counts.
  std::vector<double> materialized_;
  uint64_t materialized_low_ = 0;
  uint64_t materialized_high_ = 0;
};

}  // namespace

PairwiseDifferences::PairwiseDifferences(std::span<const double> canary_sorted,
                                         std::span<const double> baseline_sorted)
    : canary_(canary_sorted), baseline_(baseline_sorted) {}

std::vector<double> PairwiseDifferences::Select(std::span<const uint64_t> ranks) const {
  Selector selector(canary_, baseline_);
  std::vector<double> values;
  values.reserve(ranks.size());
  for (uint64_t rank : ranks) values.push_back(selector.Select(rank));
  return values;
}

double PairwiseDifferences::Median() const {
  // For an odd size both ranks are the middle one.
  const uint64_t middle[] = {(size() + 1) / 2, size() / 2 + 1};
  const std::vector<double> values = Select(middle);
  return 0.5 * values[0] + 0.5 * values[1];
}

}  // namespace kanarya::analysis
