// Backtesting: runs a recorded timeline of ticks through an AnalysisSession,
// exactly the analysis a rollout uses, and reports the first decision.
// Pure; thread-safe.
#ifndef KANARYA_ANALYSIS_REPLAY_H_
#define KANARYA_ANALYSIS_REPLAY_H_

#include "absl/status/statusor.h"
#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

// Stops at the first ROLLBACK or PROMOTE; CONTINUE at the last tick when
// neither came. InvalidArgument naming the field (`ticks[3].metrics["x"]...`)
// when the spec or a tick is malformed (`history[3]...` for the history);
// a request without ticks is invalid.
absl::StatusOr<v1::ReplayResponse> Replay(const v1::ReplayRequest& request);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_REPLAY_H_
