#include "daemon/engine/rollout_machine.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis/histogram_quantiles.h"
#include "daemon/engine/proto_time.h"

namespace kanarya::engine {
namespace {

std::string PhaseName(v1::Phase phase) {
  std::string name = v1::Phase_Name(phase);
  return absl::StartsWith(name, "PHASE_") ? name.substr(6) : name;
}

v1::RolloutEvent NewEvent(const v1::Rollout& r, v1::EventType type, absl::Time now,
                          std::string message) {
  v1::RolloutEvent event;
  event.set_rollout(r.name());
  *event.mutable_time() = ToProto(now);
  event.set_type(type);
  event.set_phase_before(r.status().phase());
  event.set_phase_after(r.status().phase());
  event.set_canary_weight(r.status().canary_weight());
  event.set_step_index(r.status().step_index());
  event.set_message(std::move(message));
  return event;
}

Transition Begin(const v1::Rollout& rollout, absl::Time now) {
  Transition t{rollout, {}, RouterAction::kNone};
  *t.rollout.mutable_update_time() = ToProto(now);
  return t;
}

// Moves to `phase`. Leaving a wait for a human moves the progress deadline on
// by the time waited.
void Enter(Transition& t, v1::Phase phase, const std::string& reason, absl::Time now) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  const v1::Phase before = s.phase();
  const bool waited = before == v1::PHASE_PAUSED || before == v1::PHASE_AWAITING_APPROVAL;
  if (waited && s.has_deadline_time()) {
    *s.mutable_deadline_time() =
        ToProto(FromProto(s.deadline_time()) + (now - FromProto(s.phase_time())));
  }
  s.set_phase(phase);
  s.set_reason(reason);
  *s.mutable_phase_time() = ToProto(now);
  v1::RolloutEvent event = NewEvent(t.rollout, v1::EVENT_TYPE_PHASE_CHANGED, now, reason);
  event.set_phase_before(before);
  t.events.push_back(std::move(event));
}

void SetIntent(Transition& t, RouterAction action, int canary_weight) {
  t.rollout.mutable_status()->set_canary_weight(canary_weight);
  t.rollout.mutable_status()->set_intent_applied(false);
  t.action = action;
}

void Pause(Transition& t, const std::string& reason, absl::Time now) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  if (s.phase() == v1::PHASE_PAUSED) {  // already waiting for a human: say why now
    s.set_reason(reason);
    t.events.push_back(NewEvent(t.rollout, v1::EVENT_TYPE_WARNING, now, reason));
    return;
  }
  s.set_resume_phase(s.phase());
  Enter(t, v1::PHASE_PAUSED, reason, now);
}

void RollBack(Transition& t, v1::Phase ends_in, const std::string& reason, absl::Time now) {
  t.rollout.mutable_status()->set_resume_phase(ends_in);
  t.rollout.mutable_status()->clear_approvals();
  Enter(t, v1::PHASE_ROLLING_BACK, reason, now);
  SetIntent(t, RouterAction::kRollback, 0);
}

void Fail(Transition& t, v1::FailureAction action, const std::string& reason, absl::Time now) {
  if (action == v1::FAILURE_ACTION_PAUSE) {
    Pause(t, reason, now);
  } else {
    RollBack(t, v1::PHASE_ROLLED_BACK, reason, now);
  }
}

void Promote(Transition& t, const spec::RolloutPlan& plan, const std::string& reason,
             absl::Time now) {
  Enter(t, v1::PHASE_PROMOTING, reason, now);
  SetIntent(t, RouterAction::kPromote,
            plan.promotion == v1::PROMOTION_STRATEGY_KEEP_WEIGHTS ? 100 : 0);
}

// Into the step after the current one: its gate, its weight, or promotion.
void Advance(Transition& t, const spec::RolloutPlan& plan, const std::string& reason,
             absl::Time now) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  const int next = s.step_index() + 1;
  if (next >= static_cast<int>(plan.steps.size())) {
    Promote(t, plan, reason, now);
    return;
  }
  s.set_step_index(next);
  s.clear_approvals();
  *s.mutable_step_start_time() = ToProto(now);
  if (plan.steps[next].required_approvals > 0) {
    Enter(t, v1::PHASE_AWAITING_APPROVAL,
          absl::StrCat(reason, "; step ", next + 1, " (", plan.steps[next].weight,
                       "%) waits for approval"),
          now);
    return;
  }
  Enter(t, v1::PHASE_PROGRESSING, reason, now);
  SetIntent(t, RouterAction::kSetWeight, plan.steps[next].weight);
}

// The last step promotes, so it needs the analysis' proof like a step that
// requires its metrics within tolerance.
bool NeedsProof(const spec::RolloutPlan& plan, int index) {
  return plan.steps[index].require_within_tolerance ||
         index + 1 == static_cast<int>(plan.steps.size());
}

// Holds the rollout where it is for a webhook gate, saying so once.
void Wait(Transition& t, const std::string& reason, absl::Time now) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  if (s.reason() == reason) return;
  s.set_reason(reason);
  t.events.push_back(NewEvent(t.rollout, v1::EVENT_TYPE_WEBHOOK, now, reason));
}

absl::Status Illegal(OperatorVerb verb, v1::Phase phase, absl::string_view why = "") {
  return absl::FailedPreconditionError(absl::StrCat(
      VerbName(verb), ": the rollout is ", PhaseName(phase), why.empty() ? "" : "; ", why));
}

bool In(v1::Phase phase, std::initializer_list<v1::Phase> phases) {
  return std::find(phases.begin(), phases.end(), phase) != phases.end();
}

absl::Status Approve(Transition& t, const spec::RolloutPlan& plan, const OperatorRequest& request) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  const spec::PlannedStep& step = plan.steps[s.step_index()];
  const std::string& who = request.caller.principal;
  if (step.forbid_self_approval && who == t.rollout.created_by()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "ApproveRollout: ", who, " created this rollout and the gate forbids self-approval"));
  }
  if (std::find(s.approvals().begin(), s.approvals().end(), who) != s.approvals().end()) {
    return absl::FailedPreconditionError(absl::StrCat("ApproveRollout: already approved by ", who,
                                                      "; the gate needs ", step.required_approvals,
                                                      " distinct approvers"));
  }
  s.add_approvals(who);
  if (s.approvals_size() < step.required_approvals) return absl::OkStatus();
  const std::string approvers = absl::StrJoin(s.approvals(), ", ");
  s.clear_approvals();
  *s.mutable_step_start_time() = ToProto(request.now);
  Enter(t, v1::PHASE_PROGRESSING, absl::StrCat("approved by ", approvers), request.now);
  SetIntent(t, RouterAction::kSetWeight, step.weight);
  return absl::OkStatus();
}

void Restart(Transition& t) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  v1::RolloutStatus fresh;
  fresh.set_phase(s.phase());
  *fresh.mutable_phase_time() = s.phase_time();
  fresh.set_attempt(s.attempt() + 1);
  fresh.set_event_sequence(s.event_sequence());
  fresh.set_step_index(-1);
  fresh.set_intent_applied(true);
  s = std::move(fresh);
}

absl::Status Operate(Transition& t, const spec::RolloutPlan& plan, const OperatorRequest& r) {
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  const v1::Phase phase = s.phase();
  const std::string why = absl::StrCat(VerbName(r.verb), " by ", r.caller.principal,
                                       r.reason.empty() ? "" : ": ", r.reason);
  switch (r.verb) {
    case OperatorVerb::kPause:
      if (!In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_AWAITING_APPROVAL})) {
        return Illegal(r.verb, phase);
      }
      Pause(t, why, r.now);
      return absl::OkStatus();
    case OperatorVerb::kResume: {
      if (phase != v1::PHASE_PAUSED) return Illegal(r.verb, phase, "only a paused one resumes");
      const v1::Phase back =
          s.resume_phase() == v1::PHASE_UNSPECIFIED ? v1::PHASE_PROGRESSING : s.resume_phase();
      if (back == v1::PHASE_PROGRESSING) *s.mutable_step_start_time() = ToProto(r.now);
      Enter(t, back, why, r.now);
      // Re-assert the stored intent: the split may have been edited by hand.
      if (back == v1::PHASE_PROMOTING) {
        SetIntent(t, RouterAction::kPromote, s.canary_weight());
      } else {
        SetIntent(t, RouterAction::kSetWeight, s.canary_weight());
      }
      return absl::OkStatus();
    }
    case OperatorVerb::kPromote:
      if (phase == v1::PHASE_AWAITING_APPROVAL ||
          (phase == v1::PHASE_PAUSED && s.resume_phase() == v1::PHASE_AWAITING_APPROVAL)) {
        return Illegal(r.verb, phase, "approve the gate, or promote with full");
      }
      if (!In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED}) ||
          (phase == v1::PHASE_PAUSED && s.resume_phase() == v1::PHASE_PROMOTING)) {
        return Illegal(r.verb, phase);
      }
      Advance(t, plan, why, r.now);
      return absl::OkStatus();
    case OperatorVerb::kPromoteFull:
      if (!In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED, v1::PHASE_AWAITING_APPROVAL})) {
        return Illegal(r.verb, phase);
      }
      Promote(t, plan, why, r.now);
      return absl::OkStatus();
    case OperatorVerb::kAbort:
      if (In(phase, {v1::PHASE_PENDING, v1::PHASE_INITIALIZING})) {  // no traffic moved yet
        Enter(t, v1::PHASE_ABORTED, why, r.now);
        return absl::OkStatus();
      }
      if (!In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED, v1::PHASE_AWAITING_APPROVAL})) {
        return Illegal(r.verb, phase);
      }
      RollBack(t, v1::PHASE_ABORTED, why, r.now);
      return absl::OkStatus();
    case OperatorVerb::kApprove:
      if (phase != v1::PHASE_AWAITING_APPROVAL) return Illegal(r.verb, phase, "no gate waits");
      return Approve(t, plan, r);
    case OperatorVerb::kRetry:
      if (!In(phase, {v1::PHASE_ROLLED_BACK, v1::PHASE_ABORTED})) return Illegal(r.verb, phase);
      Restart(t);
      Enter(t, v1::PHASE_PENDING, why, r.now);
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown operator verb");
}

}  // namespace

std::string VerbName(OperatorVerb verb) {
  switch (verb) {
    case OperatorVerb::kPause:
      return "PauseRollout";
    case OperatorVerb::kResume:
      return "ResumeRollout";
    case OperatorVerb::kPromote:
      return "PromoteRollout";
    case OperatorVerb::kPromoteFull:
      return "PromoteRollout(full)";
    case OperatorVerb::kAbort:
      return "AbortRollout";
    case OperatorVerb::kApprove:
      return "ApproveRollout";
    case OperatorVerb::kRetry:
      return "RetryRollout";
  }
  return "unknown";
}

bool IsFinal(v1::Phase phase) {
  return In(phase,
            {v1::PHASE_SUCCEEDED, v1::PHASE_ROLLED_BACK, v1::PHASE_ABORTED, v1::PHASE_FAILED});
}

bool IsTicking(v1::Phase phase) {
  return In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED, v1::PHASE_AWAITING_APPROVAL});
}

bool IsActing(v1::Phase phase) {
  return In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_AWAITING_APPROVAL, v1::PHASE_PROMOTING,
                    v1::PHASE_ROLLING_BACK});
}

absl::StatusOr<Transition> ApplyOperator(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                                         const OperatorRequest& request) {
  Transition t = Begin(rollout, request.now);
  if (absl::Status s = Operate(t, plan, request); !s.ok()) return s;
  v1::RolloutEvent action =
      NewEvent(t.rollout, v1::EVENT_TYPE_OPERATOR_ACTION, request.now,
               absl::StrCat(VerbName(request.verb), " by ", request.caller.principal));
  action.set_phase_before(rollout.status().phase());
  action.set_actor(request.caller.principal);
  action.set_role(request.caller.role);
  action.set_action(VerbName(request.verb));
  action.set_reason(request.reason);
  t.events.insert(t.events.begin(), std::move(action));
  return t;
}

Transition StartPreflight(const v1::Rollout& rollout, absl::Time now) {
  Transition t = Begin(rollout, now);
  Enter(t, v1::PHASE_INITIALIZING, "preflight: checking the route and the queries", now);
  return t;
}

Transition PreflightPassed(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                           absl::Time now, const std::string& warning) {
  Transition t = Begin(rollout, now);
  if (!warning.empty()) {
    t.events.push_back(NewEvent(t.rollout, v1::EVENT_TYPE_WARNING, now, warning));
  }
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  *s.mutable_start_time() = ToProto(now);
  if (plan.progress_deadline != absl::InfiniteDuration()) {
    *s.mutable_deadline_time() = ToProto(now + plan.progress_deadline);
  }
  *s.mutable_last_tick_time() = ToProto(now + plan.initial_delay);
  s.clear_metric_policies();
  for (int i = 0; i < plan.analysis.metrics_size(); ++i) s.add_metric_policies();
  s.set_step_index(-1);
  Advance(t, plan, "preflight passed", now);
  return t;
}

Transition PreflightFailed(const v1::Rollout& rollout, const std::string& reason, absl::Time now) {
  Transition t = Begin(rollout, now);
  Enter(t, v1::PHASE_FAILED, absl::StrCat("preflight failed: ", reason), now);
  return t;
}

bool MovesOn(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
             const TickOutcome& outcome) {
  const v1::RolloutStatus& s = rollout.status();
  if (s.phase() != v1::PHASE_PROGRESSING || !s.intent_applied() || !outcome.complete ||
      outcome.decision == v1::DECISION_ROLLBACK || outcome.failure ||
      !outcome.rollback_hook.empty()) {
    return false;
  }
  const int index = s.step_index();
  const spec::PlannedStep& step = plan.steps[index];
  const absl::Duration elapsed = outcome.tick_end - FromProto(s.step_start_time());
  const bool needs_proof = NeedsProof(plan, index);
  if ((!needs_proof || outcome.decision == v1::DECISION_PROMOTE) && elapsed >= step.min_duration) {
    return true;
  }
  return !needs_proof && elapsed >= step.max_duration &&
         plan.on_inconclusive == v1::INCONCLUSIVE_ACTION_ADVANCE;
}

Transition ApplyTick(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                     const TickOutcome& outcome) {
  const absl::Time now = outcome.tick_end;
  Transition t = Begin(rollout, now);
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  *s.mutable_last_tick_time() = ToProto(now);
  s.set_ticks(outcome.analysed_ticks);
  s.set_decision(outcome.decision);
  s.mutable_metrics()->Assign(outcome.metrics.begin(), outcome.metrics.end());
  s.mutable_metric_policies()->Assign(outcome.policies.begin(), outcome.policies.end());
  v1::RolloutEvent analysis =
      NewEvent(t.rollout, v1::EVENT_TYPE_ANALYSIS, now,
               outcome.holding.empty() ? outcome.reason
                                       : absl::StrCat(outcome.reason, "; ", outcome.holding));
  analysis.set_decision(outcome.decision);
  analysis.mutable_metrics()->Assign(outcome.metrics.begin(), outcome.metrics.end());
  t.events.push_back(std::move(analysis));

  const v1::Phase phase = s.phase();
  if (!In(phase, {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED, v1::PHASE_AWAITING_APPROVAL})) {
    return t;
  }
  if (outcome.decision == v1::DECISION_ROLLBACK) {
    Fail(t, plan.on_failure, absl::StrCat("regression: ", outcome.reason), now);
    return t;
  }
  if (outcome.failure) {
    Fail(t, *outcome.failure, outcome.failure_reason, now);
    return t;
  }
  if (!outcome.rollback_hook.empty()) {
    RollBack(t, v1::PHASE_ROLLED_BACK, outcome.rollback_hook, now);
    return t;
  }
  if (phase != v1::PHASE_PROGRESSING || !s.intent_applied()) return t;
  if (!outcome.advance_gate.empty() && MovesOn(rollout, plan, outcome)) {
    Wait(t, outcome.advance_gate, now);  // however long: a gate is not inconclusive
    return t;
  }

  const int index = s.step_index();
  const spec::PlannedStep& step = plan.steps[index];
  const absl::Duration elapsed = now - FromProto(s.step_start_time());
  const bool needs_proof = NeedsProof(plan, index);
  const bool proven = outcome.decision == v1::DECISION_PROMOTE;
  const std::string at = absl::StrCat("step ", index + 1, " (", step.weight, "%)");
  const bool may_advance = outcome.complete && (!needs_proof || proven);
  if (may_advance && elapsed >= step.min_duration) {
    const std::string quantiles = analysis::DescribeResultQuantiles(outcome.metrics);
    Advance(t, plan,
            absl::StrCat(at, " passed after ", absl::FormatDuration(elapsed), ": ",
                         needs_proof ? "critical metrics within tolerance" : "no regression",
                         quantiles.empty() ? "" : "; ", quantiles),
            now);
    return t;
  }
  if (elapsed < step.max_duration) return t;
  const std::string inconclusive =
      absl::StrCat(at, " inconclusive after ", absl::FormatDuration(elapsed), ": ",
                   outcome.holding.empty() ? outcome.reason : outcome.holding);
  switch (plan.on_inconclusive) {
    case v1::INCONCLUSIVE_ACTION_ADVANCE:
      if (outcome.complete && !needs_proof) {
        Advance(t, plan, inconclusive, now);
      } else {  // never promote without proof, never advance without data
        Pause(t, inconclusive, now);
      }
      break;
    case v1::INCONCLUSIVE_ACTION_ROLLBACK:
      RollBack(t, v1::PHASE_ROLLED_BACK, inconclusive, now);
      break;
    default:
      Pause(t, inconclusive, now);
  }
  return t;
}

Transition WaitForHook(const v1::Rollout& rollout, const std::string& reason, absl::Time now) {
  Transition t = Begin(rollout, now);
  Wait(t, reason, now);
  return t;
}

Transition ActionDone(const v1::Rollout& rollout, const std::string& note, absl::Time now) {
  Transition t = Begin(rollout, now);
  v1::RolloutStatus& s = *t.rollout.mutable_status();
  s.set_intent_applied(true);
  if (s.phase() == v1::PHASE_ROLLING_BACK) {
    const v1::Phase ends_in =
        s.resume_phase() == v1::PHASE_ABORTED ? v1::PHASE_ABORTED : v1::PHASE_ROLLED_BACK;
    s.set_resume_phase(v1::PHASE_UNSPECIFIED);
    Enter(t, ends_in, absl::StrCat(s.reason(), note.empty() ? "" : "; ", note), now);
  } else if (s.phase() == v1::PHASE_PROMOTING) {
    Enter(t, v1::PHASE_SUCCEEDED, absl::StrCat("promoted", note.empty() ? "" : "; ", note), now);
  } else {
    t.events.push_back(NewEvent(
        t.rollout, v1::EVENT_TYPE_WEIGHT_CHANGED, now,
        absl::StrCat("canary weight ", s.canary_weight(), "%", note.empty() ? "" : "; ", note)));
  }
  return t;
}

Transition ActionFailed(const v1::Rollout& rollout, const absl::Status& status, absl::Time now) {
  Transition t = Begin(rollout, now);
  const bool drift = status.code() == absl::StatusCode::kFailedPrecondition &&
                     absl::StartsWith(status.message(), "drift:");
  if (drift && rollout.status().phase() != v1::PHASE_ROLLING_BACK) {
    Pause(t, std::string(status.message()), now);
  } else {
    t.events.push_back(
        NewEvent(t.rollout, v1::EVENT_TYPE_WARNING, now,
                 absl::StrCat("traffic change failed, will retry: ", status.ToString())));
  }
  return t;
}

Transition DeadlineExceeded(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                            absl::Time now) {
  Transition t = Begin(rollout, now);
  t.rollout.mutable_status()->clear_deadline_time();
  Fail(t, plan.on_failure,
       absl::StrCat("progress deadline of ", absl::FormatDuration(plan.progress_deadline),
                    " exceeded"),
       now);
  return t;
}

}  // namespace kanarya::engine
