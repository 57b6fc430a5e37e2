// The per-rollout state machine, pure: from a stored rollout, its plan and
// one event (an operator's call, a tick's outcome, the router's answer, a
// timer) to the rollout's next state, the events to log with it, and at most
// one traffic action to perform AFTER that state is stored (write-ahead).
// An illegal operator call is FailedPrecondition naming the phase. No I/O and
// no clock: every function takes the time it happens at.
//
// Status conventions: step_index is the step being run (or, while
// AWAITING_APPROVAL, the gated step whose weight is not applied yet);
// canary_weight is the intended weight; intent_applied is false until the
// router confirmed the last intent.
#ifndef KANARYA_DAEMON_ENGINE_ROLLOUT_MACHINE_H_
#define KANARYA_DAEMON_ENGINE_ROLLOUT_MACHINE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/engine/rollout_controller.h"
#include "daemon/spec/rollout_plan.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::engine {

enum class RouterAction {
  kNone,
  kSetWeight,  // status.canary_weight
  kRollback,
  kPromote,  // by the plan's promotion strategy
};

struct Transition {
  v1::Rollout rollout;
  std::vector<v1::RolloutEvent> events;
  RouterAction action = RouterAction::kNone;
};

enum class OperatorVerb { kPause, kResume, kPromote, kPromoteFull, kAbort, kApprove, kRetry };

struct OperatorRequest {
  OperatorVerb verb;
  std::string reason;
  Caller caller;
  absl::Time now;
};

// What one tick produced, as the engine assembled it.
struct TickOutcome {
  absl::Time tick_end;
  v1::Decision decision = v1::DECISION_CONTINUE;  // the analysis', after this tick
  std::string reason;                             // the analysis' reason
  std::vector<v1::SequentialMetricResult> metrics;
  int analysed_ticks = 0;  // ticks the analysis has seen in this attempt
  std::vector<v1::MetricPolicyState> policies;
  bool complete = false;  // every metric had data this tick
  std::string holding;    // why this tick cannot advance a step ("" when complete)
  // A policy that gave up (no data, query errors, a guardrail) and its reason.
  std::optional<v1::FailureAction> failure;
  std::string failure_reason;
  // Webhooks: why the advance this tick makes (a later step's weight, or
  // promotion) must wait for its confirm gate, asked at that moment, and a
  // rollback hook's request ("" for neither).
  std::string advance_gate;
  std::string rollback_hook;
};

// The name of a verb's RPC ("PauseRollout").
std::string VerbName(OperatorVerb verb);

absl::StatusOr<Transition> ApplyOperator(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                                         const OperatorRequest& request);

// PENDING → INITIALIZING.
Transition StartPreflight(const v1::Rollout& rollout, absl::Time now);
// INITIALIZING → the first step (or its gate); FAILED with the reason.
// `warning`, when not empty, goes first as a WARNING event (a preflight
// problem the rollout proceeds despite).
Transition PreflightPassed(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                           absl::Time now, const std::string& warning = "");
Transition PreflightFailed(const v1::Rollout& rollout, const std::string& reason, absl::Time now);

// Records the tick's analysis and decides: roll back or pause on a
// regression or a policy's failure, advance, apply the inconclusive policy.
Transition ApplyTick(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                     const TickOutcome& outcome);

// Whether ApplyTick would move the rollout on this outcome (to its next
// step, or promote it) were no gate to hold it: the moment, and the only one,
// at which the step's confirm gate is asked.
bool MovesOn(const v1::Rollout& rollout, const spec::RolloutPlan& plan, const TickOutcome& outcome);

// Waiting on a webhook gate: the reason says which; an EVENT_TYPE_WEBHOOK
// event records it when it differs from the current reason.
Transition WaitForHook(const v1::Rollout& rollout, const std::string& reason, absl::Time now);

// The router did what the stored intent asked (`note` says how, e.g. a dry run).
Transition ActionDone(const v1::Rollout& rollout, const std::string& note, absl::Time now);
// It did not: drift pauses the rollout; anything else is a warning and the
// intent is retried.
Transition ActionFailed(const v1::Rollout& rollout, const absl::Status& status, absl::Time now);

// The progress deadline passed: on_failure applies, once.
Transition DeadlineExceeded(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                            absl::Time now);

// Phases whose rollout is finished; nothing happens to them but a retry.
bool IsFinal(v1::Phase phase);
// Phases whose rollout ticks: PROGRESSING, PAUSED, AWAITING_APPROVAL.
bool IsTicking(v1::Phase phase);
// Phases in which an intent not yet applied is retried by the runner (a
// paused rollout waits for its resume).
bool IsActing(v1::Phase phase);

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_ROLLOUT_MACHINE_H_
