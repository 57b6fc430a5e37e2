// Checks a JudgeRequest before any statistics run. On error returns
// InvalidArgument whose message starts with the offending field's path, e.g.
// "metrics[2].canary_total: must be >= canary_events (12 < 15)". Pure.
#ifndef KANARYA_ANALYSIS_JUDGE_REQUEST_VALIDATION_H_
#define KANARYA_ANALYSIS_JUDGE_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "kanarya/v1/judge.pb.h"

namespace kanarya::analysis {

absl::Status ValidateJudgeRequest(const v1::JudgeRequest& request);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_JUDGE_REQUEST_VALIDATION_H_
