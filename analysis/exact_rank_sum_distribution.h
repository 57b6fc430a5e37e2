// The exact null distribution of the Mann-Whitney U statistic for samples of
// sizes m and n without ties (R's dwilcox/pwilcox/qwilcox). Building it costs
// O(m^2 n^2 / 4) additions, so it is meant for m, n below ~50. Not thread-safe
// per instance; distinct instances are independent.
#ifndef KANARYA_ANALYSIS_EXACT_RANK_SUM_DISTRIBUTION_H_
#define KANARYA_ANALYSIS_EXACT_RANK_SUM_DISTRIBUTION_H_

#include <cstdint>
#include <vector>

namespace kanarya::analysis {

class ExactRankSumDistribution {
 public:
  // Requires m, n >= 0.
  ExactRankSumDistribution(int m, int n);

  // P(U <= u) and P(U >= u); U takes the integers 0 .. m*n.
  double Cdf(int64_t u) const;
  double UpperTail(int64_t u) const;

  // Two-sided p-value of an observed U by R's rule: twice the smaller tail.
  double TwoSidedPValue(int64_t u) const;

  // The smallest q with P(U <= q) >= p, with R's fuzz of 10 machine epsilons
  // (qwilcox), for p in [0, 1].
  int64_t Quantile(double p) const;

 private:
  // frequencies_[u] = number of arrangements with U == u; total_ their sum.
  std::vector<double> frequencies_;
  double total_;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_EXACT_RANK_SUM_DISTRIBUTION_H_
