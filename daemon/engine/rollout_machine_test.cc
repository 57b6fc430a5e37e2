// The state machine alone: every operator call in every phase, legal or not.
#include "daemon/engine/rollout_machine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "daemon/engine/proto_time.h"

namespace kanarya::engine {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

spec::RolloutPlan Plan() {
  spec::RolloutPlan plan;
  plan.steps = {{10, absl::Minutes(1), absl::Minutes(10), false, 0, false},
                {50, absl::Minutes(1), absl::Minutes(10), true, 2, true}};
  plan.tick_interval = absl::Seconds(10);
  plan.on_inconclusive = v1::INCONCLUSIVE_ACTION_PAUSE;
  plan.no_data_limit = 6;
  plan.on_no_data = v1::FAILURE_ACTION_ROLLBACK;
  plan.query_error_limit = 3;
  plan.on_query_errors = v1::FAILURE_ACTION_ROLLBACK;
  plan.on_failure = v1::FAILURE_ACTION_ROLLBACK;
  plan.promotion = v1::PROMOTION_STRATEGY_SWAP_SUBSETS;
  plan.progress_deadline = absl::InfiniteDuration();
  plan.analysis.add_metrics()->set_name("errors");
  return plan;
}

v1::Rollout InPhase(v1::Phase phase) {
  v1::Rollout r;
  r.set_name("reviews-v2-000001");
  r.set_created_by("ci");
  v1::RolloutStatus& s = *r.mutable_status();
  s.set_phase(phase);
  s.set_step_index(phase == v1::PHASE_AWAITING_APPROVAL ? 1 : 0);
  s.set_canary_weight(10);
  s.set_intent_applied(true);
  *s.mutable_phase_time() = ToProto(kNow - absl::Minutes(1));
  *s.mutable_step_start_time() = ToProto(kNow - absl::Minutes(1));
  if (phase == v1::PHASE_PAUSED) s.set_resume_phase(v1::PHASE_PROGRESSING);
  return r;
}

constexpr OperatorVerb kVerbs[] = {OperatorVerb::kPause,   OperatorVerb::kResume,
                                   OperatorVerb::kPromote, OperatorVerb::kPromoteFull,
                                   OperatorVerb::kAbort,   OperatorVerb::kApprove,
                                   OperatorVerb::kRetry};

TEST(RolloutMachineTest, EveryOperatorCallInEveryPhase) {
  using enum v1::Phase;
  // The phase each legal call leads to (after approval by one of two
  // approvers the gate still waits); absent: FailedPrecondition.
  const std::map<std::pair<OperatorVerb, v1::Phase>, v1::Phase> legal = {
      {{OperatorVerb::kPause, PHASE_PROGRESSING}, PHASE_PAUSED},
      {{OperatorVerb::kPause, PHASE_AWAITING_APPROVAL}, PHASE_PAUSED},
      {{OperatorVerb::kResume, PHASE_PAUSED}, PHASE_PROGRESSING},
      {{OperatorVerb::kPromote, PHASE_PROGRESSING}, PHASE_AWAITING_APPROVAL},
      {{OperatorVerb::kPromote, PHASE_PAUSED}, PHASE_AWAITING_APPROVAL},
      {{OperatorVerb::kPromoteFull, PHASE_PROGRESSING}, PHASE_PROMOTING},
      {{OperatorVerb::kPromoteFull, PHASE_PAUSED}, PHASE_PROMOTING},
      {{OperatorVerb::kPromoteFull, PHASE_AWAITING_APPROVAL}, PHASE_PROMOTING},
      {{OperatorVerb::kAbort, PHASE_PENDING}, PHASE_ABORTED},
      {{OperatorVerb::kAbort, PHASE_INITIALIZING}, PHASE_ABORTED},
      {{OperatorVerb::kAbort, PHASE_PROGRESSING}, PHASE_ROLLING_BACK},
      {{OperatorVerb::kAbort, PHASE_PAUSED}, PHASE_ROLLING_BACK},
      {{OperatorVerb::kAbort, PHASE_AWAITING_APPROVAL}, PHASE_ROLLING_BACK},
      {{OperatorVerb::kApprove, PHASE_AWAITING_APPROVAL}, PHASE_AWAITING_APPROVAL},
      {{OperatorVerb::kRetry, PHASE_ROLLED_BACK}, PHASE_PENDING},
      {{OperatorVerb::kRetry, PHASE_ABORTED}, PHASE_PENDING},
  };
  int checked = 0;
  for (int p = PHASE_PENDING; p <= PHASE_FAILED; ++p) {
    const auto phase = static_cast<v1::Phase>(p);
    for (const OperatorVerb verb : kVerbs) {
      SCOPED_TRACE(VerbName(verb) + " in " + v1::Phase_Name(phase));
      const absl::StatusOr<Transition> t =
          ApplyOperator(InPhase(phase), Plan(), {verb, "because", {"alice", "sre"}, kNow});
      const auto expected = legal.find({verb, phase});
      if (expected == legal.end()) {
        ASSERT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition) << t.status();
        EXPECT_THAT(t.status().message(), HasSubstr(v1::Phase_Name(phase).substr(6)));
        continue;
      }
      ASSERT_TRUE(t.ok()) << t.status();
      ++checked;
      EXPECT_EQ(t->rollout.status().phase(), expected->second);
      const v1::RolloutEvent& action = t->events.front();
      EXPECT_EQ(action.type(), v1::EVENT_TYPE_OPERATOR_ACTION);
      EXPECT_EQ(action.actor(), "alice");
      EXPECT_EQ(action.role(), "sre");
      EXPECT_EQ(action.action(), VerbName(verb));
      EXPECT_EQ(action.reason(), "because");
      EXPECT_EQ(action.phase_before(), phase);
      EXPECT_EQ(action.phase_after(), expected->second);
    }
  }
  EXPECT_EQ(checked, static_cast<int>(legal.size()));
}

TEST(RolloutMachineTest, TrafficActionsAreStoredIntentsNotYetApplied) {
  const auto abort = ApplyOperator(InPhase(v1::PHASE_PROGRESSING), Plan(),
                                   {OperatorVerb::kAbort, "", {"alice", ""}, kNow});
  ASSERT_TRUE(abort.ok());
  EXPECT_EQ(abort->action, RouterAction::kRollback);
  EXPECT_EQ(abort->rollout.status().canary_weight(), 0);
  EXPECT_FALSE(abort->rollout.status().intent_applied());
  const Transition done = ActionDone(abort->rollout, "", kNow);
  EXPECT_EQ(done.rollout.status().phase(), v1::PHASE_ABORTED);
  EXPECT_TRUE(done.rollout.status().intent_applied());

  const auto full = ApplyOperator(InPhase(v1::PHASE_PROGRESSING), Plan(),
                                  {OperatorVerb::kPromoteFull, "", {"alice", ""}, kNow});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->action, RouterAction::kPromote);
  EXPECT_EQ(ActionDone(full->rollout, "", kNow).rollout.status().phase(), v1::PHASE_SUCCEEDED);
}

TEST(RolloutMachineTest, GateNeedsDistinctApproversOtherThanTheCreator) {
  const spec::RolloutPlan plan = Plan();
  const v1::Rollout waiting = InPhase(v1::PHASE_AWAITING_APPROVAL);
  EXPECT_EQ(
      ApplyOperator(waiting, plan, {OperatorVerb::kApprove, "", {"ci", ""}, kNow}).status().code(),
      absl::StatusCode::kPermissionDenied);
  const auto one = ApplyOperator(waiting, plan, {OperatorVerb::kApprove, "", {"alice", ""}, kNow});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->rollout.status().phase(), v1::PHASE_AWAITING_APPROVAL);
  EXPECT_THAT(one->rollout.status().approvals(), ::testing::ElementsAre("alice"));
  const auto again =
      ApplyOperator(one->rollout, plan, {OperatorVerb::kApprove, "", {"alice", ""}, kNow});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  const auto two =
      ApplyOperator(one->rollout, plan, {OperatorVerb::kApprove, "", {"bob", ""}, kNow});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->rollout.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(two->rollout.status().canary_weight(), 50);
  EXPECT_EQ(two->action, RouterAction::kSetWeight);
  EXPECT_TRUE(two->rollout.status().approvals().empty());
}

TEST(RolloutMachineTest, RegressionRollsBackFromEveryWaitingPhase) {
  for (const v1::Phase phase :
       {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED, v1::PHASE_AWAITING_APPROVAL}) {
    TickOutcome outcome{.tick_end = kNow, .decision = v1::DECISION_ROLLBACK, .reason = "worse"};
    const Transition t = ApplyTick(InPhase(phase), Plan(), outcome);
    EXPECT_EQ(t.rollout.status().phase(), v1::PHASE_ROLLING_BACK) << v1::Phase_Name(phase);
    EXPECT_EQ(t.action, RouterAction::kRollback);
  }
}

TEST(RolloutMachineTest, AStepAdvancesOnlyWithDataAfterItsMinimumAndPromotesOnlyWithProof) {
  const spec::RolloutPlan plan = Plan();
  v1::Rollout r = InPhase(v1::PHASE_PROGRESSING);
  *r.mutable_status()->mutable_step_start_time() = ToProto(kNow - absl::Seconds(30));
  TickOutcome good{.tick_end = kNow, .decision = v1::DECISION_CONTINUE, .complete = true};
  EXPECT_EQ(ApplyTick(r, plan, good).rollout.status().phase(), v1::PHASE_PROGRESSING);  // < 1 min
  *r.mutable_status()->mutable_step_start_time() = ToProto(kNow - absl::Minutes(2));
  TickOutcome holding = good;
  holding.complete = false;
  EXPECT_EQ(ApplyTick(r, plan, holding).rollout.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(ApplyTick(r, plan, good).rollout.status().phase(), v1::PHASE_AWAITING_APPROVAL);
  // The last step needs the analysis' PROMOTE; at its maximum the policy pauses.
  r.mutable_status()->set_step_index(1);
  EXPECT_EQ(ApplyTick(r, plan, good).rollout.status().phase(), v1::PHASE_PROGRESSING);
  TickOutcome proven = good;
  proven.decision = v1::DECISION_PROMOTE;
  EXPECT_EQ(ApplyTick(r, plan, proven).rollout.status().phase(), v1::PHASE_PROMOTING);
  *r.mutable_status()->mutable_step_start_time() = ToProto(kNow - absl::Minutes(10));
  const Transition inconclusive = ApplyTick(r, plan, good);
  EXPECT_EQ(inconclusive.rollout.status().phase(), v1::PHASE_PAUSED);
  EXPECT_THAT(inconclusive.rollout.status().reason(), HasSubstr("inconclusive"));
}

TEST(RolloutMachineTest, AClosedWebhookGateHoldsAnAdvanceButNotARollback) {
  spec::RolloutPlan plan = Plan();
  plan.on_inconclusive = v1::INCONCLUSIVE_ACTION_ADVANCE;
  v1::Rollout r = InPhase(v1::PHASE_PROGRESSING);
  *r.mutable_status()->mutable_step_start_time() = ToProto(kNow - absl::Minutes(2));
  TickOutcome gated{.tick_end = kNow, .decision = v1::DECISION_CONTINUE, .complete = true};
  gated.advance_gate = "waiting for the confirm-traffic-increase webhook \"qa\"";
  const Transition held = ApplyTick(r, plan, gated);
  EXPECT_EQ(held.rollout.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(held.rollout.status().step_index(), 0);
  EXPECT_EQ(held.action, RouterAction::kNone);
  EXPECT_EQ(held.rollout.status().reason(), gated.advance_gate);
  const auto webhook_events = [](const Transition& t) {
    return std::count_if(t.events.begin(), t.events.end(), [](const v1::RolloutEvent& e) {
      return e.type() == v1::EVENT_TYPE_WEBHOOK;
    });
  };
  EXPECT_EQ(webhook_events(held), 1);
  // Said once: the next tick's wait adds none.
  EXPECT_EQ(webhook_events(ApplyTick(held.rollout, plan, gated)), 0);
  // Past the step's maximum a gate still holds (it is not inconclusive).
  *r.mutable_status()->mutable_step_start_time() = ToProto(kNow - absl::Minutes(11));
  EXPECT_EQ(ApplyTick(r, plan, gated).rollout.status().step_index(), 0);
  // A regression, or a rollback hook, rolls back while the gate is closed.
  TickOutcome regressed = gated;
  regressed.decision = v1::DECISION_ROLLBACK;
  EXPECT_EQ(ApplyTick(r, plan, regressed).rollout.status().phase(), v1::PHASE_ROLLING_BACK);
  TickOutcome killed = gated;
  killed.rollback_hook = "the rollback webhook \"kill\" asked for a rollback (HTTP 200)";
  const Transition rolled = ApplyTick(r, plan, killed);
  EXPECT_EQ(rolled.rollout.status().phase(), v1::PHASE_ROLLING_BACK);
  EXPECT_EQ(rolled.rollout.status().reason(), killed.rollback_hook);
  EXPECT_EQ(rolled.action, RouterAction::kRollback);
  // Open: the step advances.
  TickOutcome open = gated;
  open.advance_gate.clear();
  EXPECT_EQ(ApplyTick(r, plan, open).rollout.status().step_index(), 1);
}

TEST(RolloutMachineTest, DriftPausesAndOtherRouterFailuresAreRetried) {
  v1::Rollout r = InPhase(v1::PHASE_PROGRESSING);
  r.mutable_status()->set_intent_applied(false);
  const Transition drift =
      ActionFailed(r, absl::FailedPreconditionError("drift: someone changed it"), kNow);
  EXPECT_EQ(drift.rollout.status().phase(), v1::PHASE_PAUSED);
  EXPECT_EQ(drift.rollout.status().reason(), "drift: someone changed it");
  EXPECT_FALSE(drift.rollout.status().intent_applied());
  const Transition down = ActionFailed(r, absl::UnavailableError("api down"), kNow);
  EXPECT_EQ(down.rollout.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(down.events.back().type(), v1::EVENT_TYPE_WARNING);
  // Resume re-asserts the stored intent.
  const auto resumed =
      ApplyOperator(drift.rollout, Plan(), {OperatorVerb::kResume, "", {"alice", ""}, kNow});
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->action, RouterAction::kSetWeight);
  EXPECT_EQ(resumed->rollout.status().canary_weight(), 10);
}

TEST(RolloutMachineTest, PromotionAndRollbackEventsSayTheHistogramsQuantiles) {
  v1::SequentialMetricResult latency;
  latency.set_name("latency");
  v1::QuantileEstimate& p50 = *latency.add_quantiles();
  p50.set_quantile(0.5);
  p50.set_canary(104);
  p50.set_canary_lower(98.5);
  p50.set_canary_upper(110);
  p50.set_baseline(95.25);
  p50.set_baseline_lower(94.5);
  p50.set_baseline_upper(96);
  const std::string said = "latency: p50 canary 104 [98.5, 110] vs baseline 95.25 [94.5, 96]";
  v1::Rollout r = InPhase(v1::PHASE_PROGRESSING);
  r.mutable_status()->set_step_index(1);  // the last step: promotion needs proof
  *r.mutable_status()->mutable_step_start_time() = ToProto(kNow - absl::Minutes(2));
  const TickOutcome proven{
      .tick_end = kNow, .decision = v1::DECISION_PROMOTE, .metrics = {latency}, .complete = true};
  const Transition promoted = ApplyTick(r, Plan(), proven);
  ASSERT_EQ(promoted.rollout.status().phase(), v1::PHASE_PROMOTING);
  EXPECT_THAT(promoted.rollout.status().reason(), HasSubstr(said));
  EXPECT_THAT(promoted.events.back().message(), HasSubstr(said));
  // A rollback's reason is the analysis', whose regressed histogram metric
  // says its quantiles (analysis_session_test); it is kept whole.
  const TickOutcome worse{.tick_end = kNow,
                          .decision = v1::DECISION_ROLLBACK,
                          .reason = "rollback: latency (ratio 1.4; " + said + ")",
                          .metrics = {latency}};
  const Transition rolled_back = ApplyTick(InPhase(v1::PHASE_PROGRESSING), Plan(), worse);
  ASSERT_EQ(rolled_back.rollout.status().phase(), v1::PHASE_ROLLING_BACK);
  EXPECT_THAT(rolled_back.events.back().message(), HasSubstr(said));
}

}  // namespace
}  // namespace kanarya::engine
