#include "analysis/exact_rank_sum_distribution.h"

#include <algorithm>
#include <cfloat>
#include <cstddef>

namespace kanarya::analysis {

ExactRankSumDistribution::ExactRankSumDistribution(int m, int n) {
  // f(i, j) is the frequency polynomial of U for i canary and j baseline
  // values. The largest of the i + j values is either a canary value, which
  // exceeds all j baseline values (adds j to U), or a baseline value:
  //   f(i, j)[u] = f(i - 1, j)[u - j] + f(i, j - 1)[u].
  // Only additions of non-negative terms: no cancellation.
  std::vector<std::vector<double>> previous(n + 1, std::vector<double>{1.0});
  for (int i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> current(n + 1);
    current[0] = {1.0};
    for (int j = 1; j <= n; ++j) {
      std::vector<double>& f = current[j];
      f.assign(static_cast<size_t>(i) * j + 1, 0.0);
      const std::vector<double>& without_top_canary = previous[j];
      for (size_t u = 0; u < without_top_canary.size(); ++u) f[u + j] += without_top_canary[u];
      const std::vector<double>& without_top_baseline = current[j - 1];
      for (size_t u = 0; u < without_top_baseline.size(); ++u) f[u] += without_top_baseline[u];
    }
    previous = std::move(current);
  }
  frequencies_ = std::move(previous[n]);
  total_ = 0.0;
  for (double f : frequencies_) total_ += f;
}

double ExactRankSumDistribution::Cdf(int64_t u) const {
  if (u < 0) return 0.0;
  const int64_t last = static_cast<int64_t>(frequencies_.size()) - 1;
  double sum = 0.0;
  for (int64_t k = 0; k <= std::min(u, last); ++k) sum += frequencies_[k];
  return sum / total_;
}

double ExactRankSumDistribution::UpperTail(int64_t u) const {
  const int64_t last = static_cast<int64_t>(frequencies_.size()) - 1;
  double sum = 0.0;
  for (int64_t k = std::max<int64_t>(u, 0); k <= last; ++k) sum += frequencies_[k];
  return sum / total_;
}

double ExactRankSumDistribution::TwoSidedPValue(int64_t u) const {
  const int64_t max_u = static_cast<int64_t>(frequencies_.size()) - 1;
  const double one_sided = 2 * u > max_u ? UpperTail(u) : Cdf(u);
  return std::min(1.0, 2.0 * one_sided);
}

int64_t ExactRankSumDistribution::Quantile(double p) const {
  const int64_t last = static_cast<int64_t>(frequencies_.size()) - 1;
  double cumulative = 0.0;
  if (p <= 0.5) {
    const double target = p - 10 * DBL_EPSILON;
    for (int64_t q = 0; q <= last; ++q) {
      cumulative += frequencies_[q] / total_;
      if (cumulative >= target) return q;
    }
    return last;
  }
  // Walk in from the top so that probabilities near 1 keep their precision.
  const double target = 1.0 - p + 10 * DBL_EPSILON;
  for (int64_t q = 0; q <= last; ++q) {
    cumulative += frequencies_[q] / total_;
    if (cumulative > target) return last - q;
  }
  return 0;
}

}  // namespace kanarya::analysis
