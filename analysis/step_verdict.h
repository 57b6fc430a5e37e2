// Scores the metrics of one step and decides the step's verdict.
//
// score: 100 x the weighted share of metrics that PASS; each group weighs
// group_weights[group] (or 1), each metric its weight (or 1) within its group.
// Undecided metrics (INCONCLUSIVE, NODATA, ERROR) stay in the denominator, so
// missing evidence can only lower the score; score_ceiling is the score if
// they all passed. Verdict, in order:
//   FAIL          a critical metric is HIGH or LOW, or score_ceiling < marginal;
//   PASS          score >= pass and every critical metric PASSes;
//   MARGINAL      score >= marginal and score_ceiling < pass;
//   INCONCLUSIVE  otherwise: the undecided metrics would decide.
// Pure; thread-safe. The request must have passed ValidateJudgeRequest.
#ifndef KANARYA_ANALYSIS_STEP_VERDICT_H_
#define KANARYA_ANALYSIS_STEP_VERDICT_H_

#include "kanarya/v1/judge.pb.h"

namespace kanarya::analysis {

inline constexpr double kDefaultPassThreshold = 95.0;
inline constexpr double kDefaultMarginalThreshold = 75.0;

// The thresholds that apply to `request`: its own when set (> 0), else the
// defaults above.
double PassThreshold(const v1::JudgeRequest& request);
double MarginalThreshold(const v1::JudgeRequest& request);

// Fills verdict, score, score_ceiling and reason of `response` from its metrics.
void DecideStep(const v1::JudgeRequest& request, v1::JudgeResponse& response);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_STEP_VERDICT_H_
