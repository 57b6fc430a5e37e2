// Rollouts and their events for people: one table row per rollout, one line
// per event, and `describe`'s report with every metric's statistics per
// analysed tick. Pure; thread-safe.
#ifndef KANARYA_CLI_ROLLOUT_VIEW_H_
#define KANARYA_CLI_ROLLOUT_VIEW_H_

#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "kanarya/v1/rollout_service.pb.h"

namespace kanarya::cli {

// "PROGRESSING" for PHASE_PROGRESSING.
std::string PhaseName(v1::Phase phase);

// NAME NAMESPACE VIRTUAL-SERVICE REVISION PHASE STEP WEIGHT AGE REASON.
void PrintRolloutTable(const google::protobuf::RepeatedPtrField<v1::Rollout>& rollouts,
                       absl::Time now, std::ostream& out);

// "2026-11-26T10:00:00Z #12 PHASE_CHANGED PROGRESSING -> PAUSED weight 10: reason".
std::string EventLine(const v1::RolloutEvent& event);

// Each histogram metric's p50, p90 and p99 on both sides with their 95 %
// intervals, one row per quantile: "latency  p50  104 [98.5, 110]  95.25
// [94.5, 96]". Prints nothing when no result has quantiles.
void PrintQuantiles(const google::protobuf::RepeatedPtrField<v1::SequentialMetricResult>& results,
                    std::ostream& out);

// The rollout's state, then one row per metric per analysed tick (from the
// response's ANALYSIS events), each histogram metric's quantiles at the last
// analysed tick, then the other events.
void PrintDescription(const v1::GetRolloutResponse& response, absl::Time now, std::ostream& out);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_ROLLOUT_VIEW_H_
