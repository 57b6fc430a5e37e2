// Standard normal distribution from Boost.Math: tail probabilities and
// quantiles accurate to a few ulps across the double range. Never throws;
// pure functions; thread-safe.
#ifndef KANARYA_ANALYSIS_NORMAL_H_
#define KANARYA_ANALYSIS_NORMAL_H_

namespace kanarya::analysis {

// P(Z <= z). Accurate in the far lower tail (relative, not absolute, error).
double NormalCdf(double z);

// P(Z > z). Accurate in the far upper tail.
double NormalUpperTail(double z);

// The z with P(Z <= z) = p, for p in (0, 1); -inf / +inf at 0 / 1, NaN outside.
double NormalQuantile(double p);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_NORMAL_H_
