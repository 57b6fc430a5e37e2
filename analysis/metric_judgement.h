// Classification of one metric of a canary against its baseline.
//
// The rules (see docs/judge.md), with alpha = 1 - confidence_level and the
// allowance = the larger of tolerance x baseline level and absolute_tolerance
// (tolerance defaults to kDefaultContinuousTolerance or kDefaultCountTolerance
// when neither is given):
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

// The relative allowance of a metric given no tolerance: enough room for the
// differences between two healthy deployments (hosts, caches, neighbours)
// that any comparison of real fleets shows, small enough that a regression
// worth a rollback still is one. Counts get more because their noise is
// Poisson: a 20 % bound is reachable with ~130 canary events, a 10 % one
// needs ~500. The reasoning and the sample sizes are in docs/judge.md.
inline constexpr double kDefaultContinuousTolerance = 0.10;
inline constexpr double kDefaultCountTolerance = 0.20;
// A histogram's shares of requests above its bounds are counts too.
inline constexpr double kDefaultHistogramTolerance = kDefaultCountTolerance;

// The relative tolerance that applies to `input`: its own when set, 0 when
// only absolute_tolerance is given (but for histograms, whose
// absolute_tolerance is a floor), else the default of its kind.
double EffectiveTolerance(const v1::MetricInput& input);

v1::MetricResult JudgeMetric(const v1::MetricInput& input, double confidence_level);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_METRIC_JUDGEMENT_H_
