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

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_
