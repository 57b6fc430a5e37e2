// The judge's classification of a histogram metric (METRIC_KIND_HISTOGRAM),
// once, from each side's requests per bucket. The test is Mann-Whitney on
// bucket ranks (rank_sum_test.h: requests in one bucket are ties); the
// allowance is the sequential analysis': at every finite bound b, the
// canary's share of requests above b may reach the larger of (1 + tolerance)
// x the baseline's and a floor (absolute_tolerance, 0.01 when unset):
//   NODATA        a side has no requests;
//   HIGH          the test is significant (p < alpha) with the canary
//                 slower, and at some bound the canary's share reaches the
//                 allowance;
//   PASS          at every bound, the share ratio's exact upper bound
//                 (poisson.test) is within 1 + tolerance, or the canary's
//                 share's (Clopper-Pearson) within the floor: each claim at
//                 alpha / 2, so a bound beyond its allowance passes at most
//                 alpha of the time;
//   INCONCLUSIVE  anything else.
// The result carries both sides' p50, p90 and p99 with their intervals.
// Pure; thread-safe. The input must have passed ValidateJudgeRequest.
#ifndef KANARYA_ANALYSIS_HISTOGRAM_JUDGEMENT_H_
#define KANARYA_ANALYSIS_HISTOGRAM_JUDGEMENT_H_

#include <string>

#include "kanarya/v1/judge.pb.h"

namespace kanarya::analysis {

// `tolerance` is the relative one that applies (EffectiveTolerance);
// `default_note` is added to the reason (", default tolerance 20%" or "").
void JudgeHistogram(const v1::MetricInput& input, double tolerance, double confidence_level,
                    const std::string& default_note, v1::MetricResult& result);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_HISTOGRAM_JUDGEMENT_H_
