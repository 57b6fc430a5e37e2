// The engine on a virtual clock with doubles: phases, gates, drift,
// supersede, idempotent create, no data, outages, guardrails, dry run,
// deadlines, promotion strategies, batching, concurrency.
#include "daemon/engine/rollout_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "daemon/engine/proto_time.h"
#include "daemon/testing/engine_harness.h"

namespace kanarya::engine {
namespace {

using ::kanarya::testing::CanaryTraffic;
using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::RouterCall;
using ::kanarya::testing::TestRolloutSpec;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

CanaryTraffic BadCanary() {
  CanaryTraffic traffic;
  traffic.canary_error_rate = 0.05;  // 5x the baseline's 1 %
  return traffic;
}

std::vector<v1::Phase> PhasesOf(EngineHarness& h, const std::string& name) {
  std::vector<v1::Phase> phases;
  for (const v1::RolloutEvent& e : h.Events(name)) {
    if (e.type() == v1::EVENT_TYPE_PHASE_CHANGED) phases.push_back(e.phase_after());
  }
  return phases;
}

RouterCall Set(int weight) { return {"reviews", "SetCanaryWeight", weight}; }
const RouterCall kRollback{"reviews", "Rollback", 0};
const RouterCall kPromote{"reviews", "PromoteCanary", 0};

TEST(RolloutEngineTest, GoodCanaryGoesThroughEveryStepAndSwapsSubsets) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED) << done.status().reason();
  EXPECT_THAT(PhasesOf(h, name),
              ElementsAre(v1::PHASE_INITIALIZING, v1::PHASE_PROGRESSING, v1::PHASE_PROGRESSING,
                          v1::PHASE_PROMOTING, v1::PHASE_SUCCEEDED));
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10), Set(50), kPromote));
  EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{100, 0}));
  EXPECT_EQ(h.mesh.StablePods("reviews"), "canary");
  EXPECT_EQ(done.status().decision(), v1::DECISION_PROMOTE);
  EXPECT_GE(done.status().ticks(), 12);  // two steps of at least a minute each
}

TEST(RolloutEngineTest, KeepWeightsLeavesAllTrafficOnTheCanary) {
  EngineHarness h;
  v1::RolloutSpec spec = TestRolloutSpec();
  spec.set_promotion(v1::PROMOTION_STRATEGY_KEEP_WEIGHTS);
  const std::string name = *h.Start(spec);
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10), Set(50), Set(100)));
  EXPECT_EQ(h.mesh.StablePods("reviews"), "stable");
}

TEST(RolloutEngineTest, RegressionRollsBackAtOnce) {
  EngineHarness h(BadCanary());
  const std::string name = *h.Start(TestRolloutSpec());
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(done.status().reason(), HasSubstr("regression"));
  EXPECT_EQ(done.status().decision(), v1::DECISION_ROLLBACK);
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10), kRollback));
  EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{100, 0}));
  // Caught within the first step (it lasts at least a minute).
  EXPECT_LT(done.status().ticks(), 6);
}

TEST(RolloutEngineTest, CreateIsIdempotentAndAnotherRevisionNeedsSupersede) {
  EngineHarness h;
  v1::CreateRolloutRequest request;
  *request.mutable_spec() = TestRolloutSpec();
  const auto first = h.engine->Create(request, {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created());
  h.RunToPhase(first->rollout().name(), v1::PHASE_PROGRESSING);
  const auto again = h.engine->Create(request, {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created());
  EXPECT_EQ(again->rollout().name(), first->rollout().name());
  EXPECT_EQ(again->rollout().status().phase(), v1::PHASE_PROGRESSING);

  request.mutable_spec()->set_revision("v3");
  const auto refused = h.engine->Create(request, {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(refused.status().message(), HasSubstr(first->rollout().name()));

  request.set_supersede(true);
  const auto replaced = h.engine->Create(request, {"ci", "pipeline"});
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_TRUE(replaced->created());
  EXPECT_NE(replaced->rollout().name(), first->rollout().name());
  const v1::Rollout old = h.Current(first->rollout().name());
  EXPECT_EQ(old.status().phase(), v1::PHASE_ABORTED);
  EXPECT_THAT(old.status().reason(), HasSubstr("superseded by revision v3"));
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10), kRollback));  // rolled back before the start
  EXPECT_EQ(h.RunToEnd(replaced->rollout().name()).status().phase(), v1::PHASE_SUCCEEDED);
}

TEST(RolloutEngineTest, UnknownProviderIsAnInvalidArgumentNamingTheField) {
  EngineHarness h;
  v1::RolloutSpec spec = TestRolloutSpec();
  spec.mutable_analysis()->mutable_metrics(0)->mutable_source()->set_provider("graphite");
  const auto created = h.Start(spec);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(created.status().message(), HasSubstr("analysis.metrics[0].source.provider"));
}

TEST(RolloutEngineTest, PreflightFailureFailsWithoutMovingTraffic) {
  EngineHarness h;
  h.mesh.SetVerifyStatus(absl::FailedPreconditionError("DestinationRule reviews has no subset"));
  const std::string name = *h.Start(TestRolloutSpec());
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_FAILED);
  EXPECT_THAT(done.status().reason(), HasSubstr("has no subset"));
  EXPECT_TRUE(h.mesh.writes().empty());

  EngineHarness quiet;
  quiet.prometheus.set_responder(
      [](const metrics::Query& q) { return testing::VectorResult({}, q.end); });
  const absl::Time start = quiet.clock.Now();
  const std::string other = *quiet.Start(TestRolloutSpec());
  const v1::Rollout failed = quiet.RunToEnd(other);
  EXPECT_EQ(failed.status().phase(), v1::PHASE_FAILED);
  EXPECT_THAT(failed.status().reason(), HasSubstr("baseline query returned no data"));
  // Retried every tick up to the no-data limit (6) first: the 7th fails it.
  EXPECT_EQ(FromProto(failed.status().phase_time()), start + absl::Seconds(60));
}

TEST(RolloutEngineTest, PreflightWaitsForABaselineWhoseDataIsLate) {
  EngineHarness h;
  const absl::Time start = h.clock.Now();
  testing::Responder normal = testing::MakeResponder({});
  h.prometheus.set_responder([&](const metrics::Query& q) {
    return q.end < start + absl::Seconds(15) ? testing::VectorResult({}, q.end) : normal(q);
  });
  const std::string name = *h.Start(TestRolloutSpec());
  const v1::Rollout started = h.RunToPhase(name, v1::PHASE_PROGRESSING, absl::Minutes(1));
  EXPECT_EQ(started.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(FromProto(started.status().start_time()), start + absl::Seconds(20));  // third try
}

v1::RolloutSpec GatedSpec() {
  v1::RolloutSpec spec = TestRolloutSpec();
  v1::Gate& gate = *spec.mutable_steps()->mutable_steps(1)->mutable_gate();
  gate.set_manual_approval(true);
  gate.set_required_approvals(2);
  gate.set_forbid_self_approval(true);
  return spec;
}

TEST(RolloutEngineTest, GateWaitsForDistinctApproversThenAppliesTheStep) {
  EngineHarness h;
  const std::string name = *h.Start(GatedSpec());
  const v1::Rollout waiting = h.RunToPhase(name, v1::PHASE_AWAITING_APPROVAL);
  ASSERT_EQ(waiting.status().phase(), v1::PHASE_AWAITING_APPROVAL);
  EXPECT_EQ(waiting.status().canary_weight(), 10);
  h.clock.Advance(absl::Hours(1));  // a gate has no timeout
  h.engine->RunDue();
  v1::ApproveRolloutRequest approve;
  approve.set_name(name);
  EXPECT_EQ(h.engine->Approve(approve, {"ci", "pipeline"}).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(h.engine->Approve(approve, {"alice", "sre"}).ok());
  EXPECT_EQ(h.engine->Approve(approve, {"alice", "sre"}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const auto approved = h.engine->Approve(approve, {"bob", "sre"});
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{50, 50}));
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
}

TEST(RolloutEngineTest, RegressionWhileWaitingForApprovalRollsBack) {
  EngineHarness h;
  const std::string name = *h.Start(GatedSpec());
  ASSERT_EQ(h.RunToPhase(name, v1::PHASE_AWAITING_APPROVAL).status().phase(),
            v1::PHASE_AWAITING_APPROVAL);
  h.prometheus.set_responder(testing::MakeResponder(BadCanary()));
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(done.status().reason(), HasSubstr("regression"));
  EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{100, 0}));
}

TEST(RolloutEngineTest, DriftPausesAndResumeReappliesTheStoredIntent) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  h.RunUntil(name, [](const v1::Rollout& r) { return r.status().canary_weight() == 10; });
  h.mesh.EditByHand("reviews", {70, 30});  // a human takes over
  const v1::Rollout paused = h.RunToPhase(name, v1::PHASE_PAUSED);
  ASSERT_EQ(paused.status().phase(), v1::PHASE_PAUSED);
  EXPECT_THAT(paused.status().reason(), HasSubstr("drift:"));
  EXPECT_EQ(paused.status().canary_weight(), 50);  // the intent, not applied
  h.clock.Advance(absl::Minutes(5));
  h.engine->RunDue();
  EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{70, 30}));  // never fights a human
  v1::ResumeRolloutRequest resume;
  resume.set_name(name);
  resume.set_reason("done debugging");
  const auto resumed = h.engine->Resume(resume, {"alice", "sre"});
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_TRUE(resumed->status().intent_applied());
  EXPECT_EQ(h.mesh.Split("reviews"), (mesh::TrafficSplit{50, 50}));
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
}

TEST(RolloutEngineTest, NoDataHoldsTheStepThenRollsBackAtTheLimit) {
  CanaryTraffic traffic;
  traffic.canary_no_data = [](absl::Time) { return true; };
  EngineHarness h(traffic);
  const std::string name = *h.Start(TestRolloutSpec());
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(done.status().reason(), HasSubstr("no data: errors had none for 7 ticks"));
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10), kRollback));  // never advanced
}

TEST(RolloutEngineTest, NoDataWithPausePolicyPausesAndNeverPromotes) {
  CanaryTraffic traffic;
  traffic.canary_no_data = [](absl::Time) { return true; };
  EngineHarness h(traffic);
  v1::RolloutSpec spec = TestRolloutSpec();
  spec.mutable_policy()->set_on_no_data(v1::FAILURE_ACTION_PAUSE);
  spec.mutable_policy()->set_no_data_limit(3);
  const std::string name = *h.Start(spec);
  const v1::Rollout paused = h.RunToPhase(name, v1::PHASE_PAUSED);
  EXPECT_THAT(paused.status().reason(), HasSubstr("no data"));
  h.RunUntil(
      name, [](const v1::Rollout&) { return false; }, absl::Hours(1));
  EXPECT_EQ(h.Current(name).status().phase(), v1::PHASE_PAUSED);
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10)));
}

TEST(RolloutEngineTest, ShortProviderOutageIsHeldAndNeverAdvancesAStep) {
  const absl::Time start = engine::VirtualClock().Now();
  // Down from 50 s to 80 s: the first step's minute ends inside the outage.
  CanaryTraffic traffic;
  traffic.outage = [start](absl::Time t) {
    return t > start + absl::Seconds(50) && t <= start + absl::Seconds(80)
               ? absl::UnavailableError("prometheus down")
               : absl::OkStatus();
  };
  EngineHarness h(traffic);
  const std::string name = *h.Start(TestRolloutSpec());
  h.RunUntil(name, [](const v1::Rollout& r) { return r.status().canary_weight() == 50; });
  EXPECT_GE(h.clock.Now(), start + absl::Seconds(90));  // held through the outage
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED);
  bool warned = false;
  for (const v1::RolloutEvent& e : h.Events(name)) {
    warned = warned || absl::StrContains(e.message(), "query errors on errors");
  }
  EXPECT_TRUE(warned);
}

TEST(RolloutEngineTest, LongProviderOutageAppliesTheQueryErrorPolicy) {
  CanaryTraffic traffic;
  const absl::Time start = engine::VirtualClock().Now();
  traffic.outage = [start](absl::Time t) {
    return t > start + absl::Seconds(30) ? absl::UnavailableError("prometheus down")
                                         : absl::OkStatus();
  };
  EngineHarness h(traffic);
  const std::string name = *h.Start(TestRolloutSpec());
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(done.status().reason(), HasSubstr("failed 4 ticks in a row (limit 3)"));
  EXPECT_THAT(h.mesh.writes(), ElementsAre(Set(10), kRollback));
}

TEST(RolloutEngineTest, GuardrailBrokenPastItsFailureLimitRollsBack) {
  CanaryTraffic traffic;
  traffic.canary_latency = 0.9;  // above the guardrail's max of 0.5
  EngineHarness h(traffic);
  v1::RolloutSpec spec = TestRolloutSpec();
  testing::WithLatencyGuardrail(spec, /*failure_limit=*/2);
  const std::string name = *h.Start(spec);
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(done.status().reason(), HasSubstr("guardrail: latency"));
  EXPECT_EQ(done.status().ticks(), 3);  // two tolerated, the third fails
  EXPECT_EQ(done.status().metric_policies(1).guardrail_breaches(), 3);
}

TEST(RolloutEngineTest, DryRunRecordsDecisionsButNeverWritesTraffic) {
  for (const bool bad : {false, true}) {
    EngineHarness h(bad ? BadCanary() : CanaryTraffic{});
    v1::RolloutSpec spec = TestRolloutSpec();
    spec.mutable_policy()->set_dry_run(true);
    const std::string name = *h.Start(spec);
    const v1::Rollout done = h.RunToEnd(name);
    EXPECT_EQ(done.status().phase(), bad ? v1::PHASE_ROLLED_BACK : v1::PHASE_SUCCEEDED);
    EXPECT_TRUE(h.mesh.writes().empty());
    bool noted = false;
    for (const v1::RolloutEvent& e : h.Events(name)) {
      noted = noted || absl::StrContains(e.message(), "dry run");
    }
    EXPECT_TRUE(noted);
  }
}

TEST(RolloutEngineTest, ProgressDeadlineAppliesOnFailureAndPausesDoNotCount) {
  v1::RolloutSpec spec = TestRolloutSpec();
  // Two steps need at least 120 s; with little canary traffic the proof the
  // promotion needs comes much later.
  spec.mutable_progress_deadline()->set_seconds(150);
  {
    CanaryTraffic slow;
    slow.canary_requests = [](absl::Time) { return 20.0; };
    EngineHarness h(slow);
    const std::string name = *h.Start(spec);
    const v1::Rollout done = h.RunToEnd(name);
    EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
    EXPECT_THAT(done.status().reason(), HasSubstr("progress deadline"));
  }
  {
    spec.mutable_progress_deadline()->set_seconds(200);
    EngineHarness h;
    const std::string name = *h.Start(spec);
    h.RunUntil(name, [](const v1::Rollout& r) { return r.status().canary_weight() == 10; });
    v1::PauseRolloutRequest pause;
    pause.set_name(name);
    ASSERT_TRUE(h.engine->Pause(pause, {"alice", "sre"}).ok());
    h.clock.Advance(absl::Minutes(30));
    h.engine->RunDue();
    v1::ResumeRolloutRequest resume;
    resume.set_name(name);
    ASSERT_TRUE(h.engine->Resume(resume, {"alice", "sre"}).ok());
    EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  }
}

TEST(RolloutEngineTest, OperatorCallsAreRecordedAndIllegalOnesNameThePhase) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  h.RunToPhase(name, v1::PHASE_PROGRESSING);
  v1::PauseRolloutRequest pause;
  pause.set_name(name);
  pause.set_reason("looking at a dashboard");
  ASSERT_TRUE(h.engine->Pause(pause, {"alice", "sre"}).ok());
  const auto twice = h.engine->Pause(pause, {"alice", "sre"});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(twice.status().message(), HasSubstr("PAUSED"));
  v1::PromoteRolloutRequest promote;
  promote.set_name(name);
  promote.set_full(true);
  ASSERT_TRUE(h.engine->Promote(promote, {"bob", "admin"}).ok());
  EXPECT_EQ(h.Current(name).status().phase(), v1::PHASE_SUCCEEDED);
  std::vector<std::string> actions;
  for (const v1::RolloutEvent& e : h.Events(name)) {
    if (e.type() != v1::EVENT_TYPE_OPERATOR_ACTION) continue;
    actions.push_back(e.action() + "/" + e.actor() + "/" + e.role() + "/" + e.reason() + "/" +
                      v1::Phase_Name(e.phase_before()) + ">" + v1::Phase_Name(e.phase_after()));
  }
  EXPECT_THAT(actions, ElementsAre("CreateRollout/ci/pipeline//PHASE_UNSPECIFIED>PHASE_PENDING",
                                   "PauseRollout/alice/sre/looking at a dashboard/"
                                   "PHASE_PROGRESSING>PHASE_PAUSED",
                                   "PromoteRollout(full)/bob/admin//PHASE_PAUSED>PHASE_PROMOTING"));
  v1::GetRolloutRequest missing;
  missing.set_name("nope");
  EXPECT_EQ(h.engine->Get(missing).status().code(), absl::StatusCode::kNotFound);
}

TEST(RolloutEngineTest, AbortThenRetryStartsAFreshAttempt) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  h.RunUntil(name, [](const v1::Rollout& r) { return r.status().ticks() >= 3; });
  v1::AbortRolloutRequest abort;
  abort.set_name(name);
  const auto aborted = h.engine->Abort(abort, {"alice", "sre"});
  ASSERT_TRUE(aborted.ok());
  EXPECT_EQ(aborted->status().phase(), v1::PHASE_ABORTED);
  h.clock.Advance(absl::Hours(1));
  EXPECT_EQ(h.engine->RunDue(), absl::InfiniteFuture());  // nothing to do
  EXPECT_EQ(h.Current(name).status().phase(), v1::PHASE_ABORTED);
  v1::RetryRolloutRequest retry;
  retry.set_name(name);
  const auto retried = h.engine->Retry(retry, {"alice", "sre"});
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->status().attempt(), 1);
  EXPECT_EQ(retried->status().ticks(), 0);
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_EQ(h.Ticks(name, 0).size(), 3u);
  EXPECT_EQ(static_cast<int>(h.Ticks(name, 1).size()), h.Current(name).status().ticks());
}

TEST(RolloutEngineTest, EveryDueQueryOfEveryRolloutGoesOutInOneRunPerProvider) {
  EngineHarness h;
  std::vector<std::string> names;
  for (const std::string vs : {"reviews", "ratings", "details"}) {
    v1::RolloutSpec spec = TestRolloutSpec();
    spec.mutable_target()->set_virtual_service(vs);
    names.push_back(*h.Start(spec));
  }
  const int64_t created = h.store.transaction_count();
  h.engine->RunDue();  // the preflights
  // One batch starts the three, one stores their first steps, one the
  // routers' outcomes.
  EXPECT_EQ(h.store.transaction_count(), created + 3);
  EXPECT_EQ(h.mesh.Split("ratings"), (mesh::TrafficSplit{90, 10}));
  const int before = h.prometheus.run_calls();
  const int queries = h.prometheus.query_count();
  h.clock.Advance(absl::Seconds(10));
  h.engine->RunDue();
  EXPECT_EQ(h.prometheus.run_calls(), before + 1);
  EXPECT_EQ(h.prometheus.query_count(), queries + 3 * 4);  // 3 rollouts x 2 sides x 2 queries
  for (const std::string& name : names) EXPECT_EQ(h.Current(name).status().ticks(), 1);
  EXPECT_EQ(h.store.transaction_count(), created + 4);  // the three ticks in one batch
}

TEST(RolloutEngineTest, PassSpacingGathersTicksDueMeanwhileWithoutMovingTheirWindows) {
  EngineHarness h;
  h.options.pass_spacing = absl::Seconds(8);
  h.engine = h.MakeEngine();
  v1::RolloutSpec reviews = TestRolloutSpec();
  reviews.mutable_steps()->mutable_min_step_duration()->set_seconds(600);  // ticking throughout
  v1::RolloutSpec ratings = reviews;
  ratings.mutable_target()->set_virtual_service("ratings");
  const std::string reviews_name = *h.Start(reviews);
  const absl::Time start = h.clock.Now();
  EXPECT_EQ(h.engine->RunDue(), start + absl::Seconds(10));  // the first tick, past the spacing
  h.clock.Advance(absl::Seconds(3));
  const std::string ratings_name = *h.Start(ratings);
  EXPECT_EQ(h.engine->RunDue(), start + absl::Seconds(11));  // 3 s + the spacing
  // From here on the two tick 3 s apart: each pass waits 8 s, so ticks that
  // fall due meanwhile go in the same pass.
  int passes = 0;
  for (absl::Time next = start + absl::Seconds(11); next < start + absl::Minutes(3); ++passes) {
    h.clock.AdvanceTo(next);
    const absl::Time pass = h.clock.Now();
    next = h.engine->RunDue();
    EXPECT_GE(next, pass + absl::Seconds(8));
  }
  // 18 ticks each in 3 minutes, in far fewer than the 36 passes of
  // unspaced ticks; every tick still covers the next 10 s window.
  EXPECT_LE(passes, 24);
  for (const auto& [name, first_end] : {std::pair{reviews_name, start + absl::Seconds(10)},
                                        std::pair{ratings_name, start + absl::Seconds(13)}}) {
    const std::vector<v1::Tick> ticks = h.Ticks(name);
    ASSERT_GE(ticks.size(), 16u) << name;
    for (size_t i = 0; i < ticks.size(); ++i) {
      EXPECT_EQ(FromProto(ticks[i].time()), first_end + absl::Seconds(10 * static_cast<int>(i)))
          << name << " tick " << i;
    }
  }
}

TEST(RolloutEngineTest, EachTickRecordsWhenItWasEvaluated) {
  EngineHarness h;
  v1::RolloutSpec spec = TestRolloutSpec();
  spec.mutable_steps()->mutable_min_step_duration()->set_seconds(600);  // ticking throughout
  const std::string name = *h.Start(spec);
  const absl::Time start = h.clock.Now();
  h.engine->RunDue();                            // the preflight; the first tick ends 10 s later
  h.clock.AdvanceTo(start + absl::Seconds(13));  // 3 s late
  h.engine->RunDue();
  v1::RolloutStatus s = h.Current(name).status();
  EXPECT_EQ(FromProto(s.last_tick_time()), start + absl::Seconds(10));
  EXPECT_EQ(FromProto(s.last_tick_evaluated_time()), start + absl::Seconds(13));
  h.clock.AdvanceTo(start + absl::Seconds(20));  // on time
  h.engine->RunDue();
  s = h.Current(name).status();
  EXPECT_EQ(FromProto(s.last_tick_time()), start + absl::Seconds(20));
  EXPECT_EQ(FromProto(s.last_tick_evaluated_time()), start + absl::Seconds(20));
  // As stored, so that a reader of the store sees it too.
  EXPECT_EQ(FromProto(h.store.GetRollout(name)->status().last_tick_evaluated_time()),
            start + absl::Seconds(20));
}

TEST(RolloutEngineTest, GetReturnsTheNewestEventsOldestFirst) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  h.RunToEnd(name);
  const std::vector<v1::RolloutEvent> all = h.Events(name);
  ASSERT_GT(all.size(), 5u);
  v1::GetRolloutRequest get;
  get.set_name(name);
  get.set_event_limit(3);
  const absl::StatusOr<v1::GetRolloutResponse> got = h.engine->Get(get);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->events_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got->events(i).sequence(), all[all.size() - 3 + i].sequence());
  }
  get.set_event_limit(0);
  EXPECT_EQ(h.engine->Get(get)->events_size(), 0);
}

TEST(RolloutEngineTest, ReadsStayAvailableWhileTheRunnerTicks) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  readers.reserve(2);
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      v1::GetRolloutRequest get;
      get.set_name(name);
      get.set_event_limit(3);
      for (int n = 0; n < 100'000 && !stop; ++n) {
        ASSERT_TRUE(h.engine->Get(get).ok());
        ASSERT_TRUE(h.engine->List({}).ok());
        ++reads;
      }
    });
  }
  for (int i = 0; i < 5000 && reads < 10; ++i) absl::SleepFor(absl::Milliseconds(1));
  const v1::Rollout done = h.RunToEnd(name);
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_GT(reads.load(), 0);
}

TEST(RolloutEngineTest, WaitForEventsReturnsNewEventsOrTimesOut) {
  EngineHarness h;
  const std::string name = *h.Start(TestRolloutSpec());
  const int64_t last = h.Current(name).status().event_sequence();
  const auto none = h.engine->WaitForEvents(name, last, 10, absl::Now() + absl::Milliseconds(20));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  std::thread runner([&] {
    absl::SleepFor(absl::Milliseconds(20));
    h.engine->RunDue();
  });
  const auto events = h.engine->WaitForEvents(name, last, 10, absl::Now() + absl::Seconds(10));
  runner.join();
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->front().phase_after(), v1::PHASE_INITIALIZING);
  EXPECT_EQ(h.engine->WaitForEvents("nope", 0, 1, absl::Now()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace kanarya::engine
