// The long-run variance of a weakly dependent series: the variance per value
// that the running mean behaves as if it had, sum over lags of the
// autocovariance. Autocorrelated per-tick values (a slow node stays slow) make
// it several times the marginal variance. Pure; thread-safe.
#ifndef KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_
#define KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_

#include <span>

namespace kanarya::analysis {

// A conservative estimate for short series: the largest of the sample
// variance, the Newey-West (Bartlett kernel, bandwidth ceil(n^(1/3))) estimate
// and the AR(1) estimate with a bias-corrected lag-1 autocorrelation, each
// corrected for the variance the sample mean itself removes. 0 for fewer
// than two values.
double LongRunVariance(std::span<const double> values);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_LONG_RUN_VARIANCE_H_
