// The judge: validates a JudgeRequest, classifies every metric and decides the
// step's verdict. Deterministic and pure, so the CLI, the gRPC service and the
// rollout engine all give the same answer for the same input. Thread-safe.
#ifndef KANARYA_ANALYSIS_JUDGE_H_
#define KANARYA_ANALYSIS_JUDGE_H_

#include "absl/status/statusor.h"
#include "kanarya/v1/judge.pb.h"

namespace kanarya::analysis {

inline constexpr double kDefaultConfidenceLevel = 0.95;

// InvalidArgument naming the field when the request is malformed.
absl::StatusOr<v1::JudgeResponse> Judge(const v1::JudgeRequest& request);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_JUDGE_H_
