// A closed interval of real numbers [lower, upper]; either end may be
// infinite. The one type for every confidence interval and sequence in
// analysis/. A plain value; thread-compatible.
#ifndef KANARYA_ANALYSIS_INTERVAL_H_
#define KANARYA_ANALYSIS_INTERVAL_H_

namespace kanarya::analysis {

struct Interval {
  double lower;
  double upper;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_INTERVAL_H_
