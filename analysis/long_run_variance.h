// The long-run variance of a weakly dependent series: the variance per value
// that the running mean behaves as if it had, sum over lags of the
// autocovariance. Autocorrelated per-tick values (a slow node stays slow) make
// it several times the marginal variance. The estimate carries its own
// uncertainty as effective degrees of freedom, so that a statistic studentised
// by it can be read on the normal scale. Pure; thread-safe.
#ifndef KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_
#define KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_

#include <limits>
#include <span>

namespace kanarya::analysis {

struct LongRunVarianceEstimate {
  double variance = 0;
  // Of a scaled chi-square with the estimate's relative spread: at least 1;
  // infinite when the estimate is exact (constant values).
  double degrees_of_freedom = std::numeric_limits<double>::infinity();
  // The dependence ratio: long-run over marginal variance, at least 1 (1
  // when the variance is 0).
  double dependence = 1;

  // The z with the upper-tail probability under N(0, 1) that `t` has under
  // Student's t with these degrees of freedom (odd in t): a statistic divided
  // by the estimated deviation, on the scale of one divided by the true one.
  double NormalEquivalent(double t) const;
  // The inverse: the t whose NormalEquivalent is z.
  double StudentEquivalent(double z) const;
};

// A conservative estimate for short series: the largest of the sample
// variance, the Newey-West (Bartlett kernel, bandwidth ceil(n^(1/3))) estimate
// and the AR(1) estimate with a bias-corrected lag-1 autocorrelation, each
// corrected for the variance the sample mean itself removes. Its degrees of
// freedom are the Bartlett estimator's, 1.5 n / bandwidth, counted in
// effective values n x marginal / long-run variance. Variance 0 for fewer
// than two values or constant ones.
LongRunVarianceEstimate EstimateLongRunVariance(std::span<const double> values);

// With the dependence ratio known, learnt from a long history of the same
// process (values below 1 count as 1): the sample variance times that ratio,
// corrected for the variance the sample mean removes. Only the marginal
// variance is estimated here. Its degrees of freedom count only the spread
// that persistence adds to an AR(1) series' sample variance beyond that of
// independent values, (n - 1)(1 - phi^2) / (2 phi^2) with phi = (ratio - 1) /
// (ratio + 1), at least 1; infinite at ratio 1. Variance 0 for fewer than
// two values or constant ones.
LongRunVarianceEstimate EstimateLongRunVarianceWithDependence(std::span<const double> values,
                                                              double dependence);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_
