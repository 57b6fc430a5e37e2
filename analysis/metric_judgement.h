// Classification of one metric of a canary against its baseline.
//
// The rules (see docs/judge.md), with alpha = 1 - confidence_level and the
// allowance = the larger of tolerance x baseline level and absolute_tolerance:
//   NODATA        a side has no usable samples, or no traffic (count metrics);
//   HIGH / LOW    the test is significant (p < alpha) in a bad direction and
//                 the estimated change reaches the allowance;
//   PASS          the confidence interval of the change lies within the
//                 allowance on every bad side (an improvement always does);
//   INCONCLUSIVE  anything else: too little evidence either way.
// Pure; thread-safe. The input must have passed ValidateJudgeRequest.
#ifndef KANARYA_ANALYSIS_METRIC_JUDGEMENT_H_
#define KANARYA_ANALYSIS_METRIC_JUDGEMENT_H_

#include "kanarya/v1/judge.pb.h"

namespace kanarya::analysis {

v1::MetricResult JudgeMetric(const v1::MetricInput& input, double confidence_level);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_METRIC_JUDGEMENT_H_
