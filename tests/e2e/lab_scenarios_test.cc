// The operational scenarios of a rollout, in one lab world (the mesh, the
// Kubernetes API emulator, Loki, a real Prometheus scraping every second,
// the real kanaryad), each on its own service of scenario_services.yaml with
// the spec tests/e2e/specs/lab-scenario.yaml (2 s ticks, steps 20 and 50 %
// of at least 6 s), driven as people drive them: kanaryactl, kubectl and
// buf curl run as processes.
// - canaries 30 % slower or with 5x the errors are rolled back, one 5 %
//   better (latency and errors) is promoted; `kanaryactl wait` says so;
// - Prometheus killed at the last step: the rollout holds there (no weight
//   change, no promotion) until Prometheus is back, then finishes;
// - Loki down (503): the rollout holds within its query_error_limit and
//   goes on once Loki is back; Loki not ingesting: the log metric has no
//   data, the rollout holds and then pauses as its policy says, and a
//   resume after the logs flow again finishes it;
// - kanaryad killed with SIGKILL mid-step: after the restart the rollout
//   resumes from its stored intent (the same step, or exactly the next one
//   if the restart outlasted the step), the VirtualService at the stored
//   weight, and the event log shows no step repeated or skipped;
// - a person edits the VirtualService with kubectl: the rollout pauses with
//   the drift as its reason and leaves the edit alone; `kanaryactl resume`
//   re-applies the stored weight and goes on;
// - an SRE pauses, resumes, approves a gated step with buf curl and aborts;
//   `kanaryactl wait` exits 3 on its timeout, 1 once aborted, 2 on bad
//   usage and 4 when the daemon is unreachable.
// Their outcomes are statistical only as the analysis is: the good canaries'
// false rollback is bounded by α = 0.05 per rollout.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/spec/rollout_document.h"
#include "tests/e2e/command_runner.h"
#include "tests/e2e/lab_world.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kRolloutBudget = absl::Seconds(150);
// The canary weights of lab-scenario.yaml's steps, in order.
const std::vector<int> kScenarioWeights = {20, 50};

std::string FileText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scenario spec for `service`; with `gated`, its second step waits for
// an approval.
std::string SpecText(const std::string& service, bool gated = false) {
  std::string text = absl::StrReplaceAll(
      FileText(KANARYA_SOURCE_DIR "/tests/e2e/specs/lab-scenario.yaml"), {{"SERVICE", service}});
  if (gated) {
    text = absl::StrReplaceAll(
        text, {{"    - weight: 50", "    - {weight: 50, gate: {manual_approval: true}}"}});
  }
  return text;
}

bool Progressing(const v1::Rollout& r, int step) {
  return r.status().phase() == v1::PHASE_PROGRESSING && r.status().step_index() == step &&
         r.status().intent_applied();
}

class LabScenariosTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<LabWorld>> world = LabWorld::Start(
        KANARYA_KANARYAD_BINARY, KANARYA_SOURCE_DIR "/tests/e2e/scenario_services.yaml");
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = world->release();
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(world_, nullptr) << "the world did not start"; }
  void TearDown() override {
    if (HasFailure() && world_ != nullptr) world_->world().Keep();
  }

  KanaryadWorld& kanaryad() { return world_->world(); }

  absl::StatusOr<std::string> Create(const std::string& service) {
    absl::StatusOr<v1::RolloutSpec> spec = spec::ParseRolloutDocument(SpecText(service));
    if (!spec.ok()) return spec.status();
    return kanaryad().Create(*spec, "lab scenario");
  }

  // kanaryactl against the world's daemon.
  CommandResult Kanaryactl(const std::vector<std::string>& args,
                           absl::Duration deadline = absl::Seconds(30)) {
    std::vector<std::string> argv = {KANARYA_KANARYACTL_BINARY,
                                     "--server=" + kanaryad().daemon().address()};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandResult> result = RunCommand(argv, {}, deadline);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(CommandResult{});
  }

  // Applies the spec with `kanaryactl apply`; the rollout's name.
  std::string Apply(const std::string& service, bool gated = false) {
    const std::string file = absl::StrCat(kanaryad().directory(), "/", service, ".yaml");
    std::ofstream(file) << SpecText(service, gated);
    const CommandResult applied =
        Kanaryactl({"-o", "json", "apply", "-f", file, "--reason=lab scenario"});
    EXPECT_EQ(applied.exit_code, 0) << applied.output;
    const json rollout = json::parse(applied.output, nullptr, false);
    const bool named =
        rollout.is_object() && rollout.contains("name") && rollout["name"].is_string();
    EXPECT_TRUE(named) << applied.output;
    return named ? rollout["name"].get<std::string>() : "";
  }

  v1::Rollout WaitFor(const std::string& name, const std::function<bool(const v1::Rollout&)>& done,
                      absl::Duration deadline = kRolloutBudget) {
    absl::StatusOr<v1::Rollout> rollout = kanaryad().WaitFor(name, done, deadline);
    EXPECT_TRUE(rollout.ok()) << rollout.status();
    return rollout.value_or(v1::Rollout{});
  }
  v1::Rollout WaitForPhase(const std::string& name, v1::Phase phase,
                           absl::Duration deadline = kRolloutBudget) {
    return WaitFor(
        name, [phase](const v1::Rollout& r) { return r.status().phase() == phase; }, deadline);
  }

  std::vector<int> WeightChanges(const std::string& name) {
    absl::StatusOr<std::vector<int>> weights = kanaryad().WeightChanges(name);
    EXPECT_TRUE(weights.ok()) << weights.status();
    return weights.value_or(std::vector<int>{});
  }

  void ExpectPromoted(const std::string& service, const std::string& name) {
    SCOPED_TRACE(name);
    const v1::Rollout done =
        WaitFor(name, [](const v1::Rollout& r) { return Terminal(r.status().phase()); });
    EXPECT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED) << done.status().reason();
    const Routes routes = world_->LiveRoutes(service);
    EXPECT_EQ(routes.stable_weight, 100);
    EXPECT_EQ(routes.canary_weight, 0);
    EXPECT_EQ(routes.stable_version, "v2");
  }

  // From now until `hold` has passed, every look (one per 250 ms) finds the
  // rollout progressing at `weight` % and the VirtualService with it. The
  // last look comes after `hold`, however slow each look is on a loaded
  // machine.
  void ExpectHoldsAt(const std::string& service, const std::string& name, int weight,
                     absl::Duration hold, const std::string& circumstance) {
    const absl::Time start = absl::Now();
    for (bool last = false; !last;) {
      last = absl::Now() - start >= hold;
      absl::StatusOr<v1::GetRolloutResponse> got = kanaryad().Get(name);
      ASSERT_TRUE(got.ok()) << got.status();
      const v1::RolloutStatus& status = got->rollout().status();
      ASSERT_EQ(status.phase(), v1::PHASE_PROGRESSING)
          << "after " << absl::Now() - start << " " << circumstance << ": " << status.reason();
      ASSERT_EQ(status.canary_weight(), weight) << "after " << absl::Now() - start;
      ASSERT_EQ(world_->LiveRoutes(service).canary_weight, weight)
          << "after " << absl::Now() - start;
      if (!last) absl::SleepFor(absl::Milliseconds(250));
    }
  }

  // Once the rollout has applied its intent while progressing: the
  // VirtualService carries it. The status is read before and after the
  // VirtualService, and compared only when unchanged in between (no step
  // change racing the read). Nothing to compare once the rollout left
  // PROGRESSING (ExpectPromoted checks the end).
  void ExpectLiveWeightIsTheAppliedIntent(const std::string& service, const std::string& name) {
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (absl::Now() < give_up) {
      absl::StatusOr<v1::GetRolloutResponse> first = kanaryad().Get(name);
      const Routes routes = world_->LiveRoutes(service);
      absl::StatusOr<v1::GetRolloutResponse> second = kanaryad().Get(name);
      ASSERT_TRUE(first.ok() && second.ok()) << first.status() << second.status();
      const v1::RolloutStatus& a = first->rollout().status();
      const v1::RolloutStatus& b = second->rollout().status();
      if (a.phase() != v1::PHASE_PROGRESSING) return;
      if (a.intent_applied() && a.event_sequence() == b.event_sequence()) {
        EXPECT_EQ(routes.canary_weight, a.canary_weight())
            << "the VirtualService carries the stored intent of step " << a.step_index();
        return;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << name << ": no applied intent to compare within 30 s";
  }

  static LabWorld* world_;
};

LabWorld* LabScenariosTest::world_ = nullptr;

TEST_F(LabScenariosTest, RollsBackTheSlowerAndTheFailingCanaryAndPromotesTheBetterOne) {
  lab::MeshSimulation& mesh = world_->lab().simulation();
  ASSERT_TRUE(mesh.SetFault({.service = "slower", .version = "v2", .latency_factor = 1.3}).ok());
  ASSERT_TRUE(mesh.SetFault({.service = "failing", .version = "v2", .error_rate = 0.05}).ok());
  ASSERT_TRUE(
      mesh.SetFault(
              {.service = "better", .version = "v2", .error_rate = 0.0095, .latency_factor = 0.95})
          .ok());
  const std::string better = Apply("better"), slower = Apply("slower"), failing = Apply("failing");
  ASSERT_FALSE(better.empty() || slower.empty() || failing.empty());

  // All three run together; each wait returns once its rollout is over.
  const CommandResult waited_better =
      Kanaryactl({"wait", better, "--timeout=150s"}, absl::Seconds(160));
  const CommandResult waited_slower =
      Kanaryactl({"wait", slower, "--timeout=150s"}, absl::Seconds(160));
  const CommandResult waited_failing =
      Kanaryactl({"wait", failing, "--timeout=150s"}, absl::Seconds(160));
  EXPECT_EQ(waited_better.exit_code, 0) << waited_better.output;
  EXPECT_EQ(waited_slower.exit_code, 1) << waited_slower.output;
  EXPECT_EQ(waited_failing.exit_code, 1) << waited_failing.output;

  ExpectPromoted("better", better);
  EXPECT_EQ(WeightChanges(better), (std::vector<int>{20, 50}));
  // The rollback names the metric that regressed. The failing canary's 5xx
  // answers are also error lines in its logs: whichever of errors and
  // error_logs gathers its evidence first rolls it back.
  using ReasonMatcher = ::testing::Matcher<const std::string&>;
  for (const auto& [service, name, regressed] :
       {std::tuple<std::string, std::string, ReasonMatcher>{
            "slower", slower, HasSubstr("rollback: latency_mean_ms ")},
        {"failing", failing,
         ::testing::AnyOf(HasSubstr("rollback: errors "), HasSubstr("rollback: error_logs "))}}) {
    SCOPED_TRACE(name);
    absl::StatusOr<v1::GetRolloutResponse> got = kanaryad().Get(name);
    ASSERT_TRUE(got.ok()) << got.status();
    const v1::RolloutStatus& status = got->rollout().status();
    EXPECT_EQ(status.phase(), v1::PHASE_ROLLED_BACK) << status.reason();
    EXPECT_THAT(status.reason(), regressed);
    const Routes routes = world_->LiveRoutes(service);
    EXPECT_EQ(routes.stable_weight, 100);
    EXPECT_EQ(routes.canary_weight, 0);
    EXPECT_EQ(routes.stable_version, "v1");
    const std::vector<int> weights = WeightChanges(name);
    EXPECT_THAT(weights, ::testing::AnyOf(std::vector<int>{20}, std::vector<int>{20, 50}));
    std::cout << name << ": " << status.reason() << "\n";
  }
}

TEST_F(LabScenariosTest, HoldsWhilePrometheusIsDownAndGoesOnOnceItIsBack) {
  absl::StatusOr<std::string> name = Create("blind");
  ASSERT_TRUE(name.ok()) << name.status();
  WaitFor(*name, [](const v1::Rollout& r) { return Progressing(r, 1); });
  const std::vector<int> before = WeightChanges(*name);
  ASSERT_EQ(before, (std::vector<int>{20, 50}));

  // Blind for longer than the step's minimum duration: without the hold, the
  // rollout would be promoted meanwhile.
  world_->world().prometheus().Kill();
  ExpectHoldsAt("blind", *name, 50, absl::Seconds(14), "without Prometheus");
  ASSERT_TRUE(world_->world().prometheus().Restart().ok());
  if (HasFatalFailure()) return;  // the hold failed; the later tests get Prometheus back
  const absl::Time restarted = absl::Now();
  // When the restarted Prometheus scrapes again (printed, for the spec's
  // no_data_limit).
  const absl::Status scraping = kanaryad().WaitForQueryValue(
      absl::StrCat(
          "max(timestamp(istio_requests_total{destination_workload=\"blind-v1\"})) > bool ",
          absl::ToUnixSeconds(restarted)),
      "1", absl::Seconds(30));
  EXPECT_TRUE(scraping.ok()) << scraping;
  std::cout << "the restarted Prometheus scraped again after " << absl::Now() - restarted << "\n";

  ExpectPromoted("blind", *name);
  EXPECT_EQ(WeightChanges(*name), before) << "no weight change while blind, none repeated";
  std::cout << *name << ": promoted " << absl::Now() - restarted << " after Prometheus came back\n";
}

TEST_F(LabScenariosTest, HoldsWhileLokiIsDownAndPausesWhenTheLogsStop) {
  absl::StatusOr<std::string> name = Create("logs");
  ASSERT_TRUE(name.ok()) << name.status();
  WaitFor(*name, [](const v1::Rollout& r) { return Progressing(r, 0); });

  // Loki down (every query 503): the log metric's queries fail; the rollout
  // holds at 20 % past the step's 6 s, within the spec's query_error_limit.
  world_->lab().loki().SetServing(false);
  ExpectHoldsAt("logs", *name, 20, absl::Seconds(10), "without Loki");
  world_->lab().loki().SetServing(true);
  if (HasFatalFailure()) return;  // the hold failed; the later tests get Loki back
  WaitFor(
      *name, [](const v1::Rollout& r) { return Progressing(r, 1); }, absl::Seconds(40));
  EXPECT_EQ(WeightChanges(*name), (std::vector<int>{20, 50})) << "it went on by itself";

  // Loki serves but ingests nothing: the log metric has no data.
  world_->lab().loki().SetIngesting(false);
  const v1::Rollout paused = WaitForPhase(*name, v1::PHASE_PAUSED, absl::Seconds(30));
  world_->lab().loki().SetIngesting(true);
  EXPECT_EQ(paused.status().phase(), v1::PHASE_PAUSED);
  // The policy: 6 ticks without data held, the 7th pauses.
  EXPECT_THAT(paused.status().reason(), HasSubstr("no data: error_logs had none for 7 ticks"));
  EXPECT_EQ(paused.status().step_index(), 1);
  EXPECT_EQ(paused.status().canary_weight(), 50);
  EXPECT_EQ(world_->LiveRoutes("logs").canary_weight, 50);
  EXPECT_EQ(WeightChanges(*name), (std::vector<int>{20, 50})) << "never promoted without logs";

  // Paused stays paused, logs or not, until someone resumes.
  absl::SleepFor(absl::Seconds(3));
  absl::StatusOr<v1::GetRolloutResponse> still = kanaryad().Get(*name);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->rollout().status().phase(), v1::PHASE_PAUSED);
  const CommandResult resumed = Kanaryactl({"resume", *name, "--reason=logs flow again"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  ExpectPromoted("logs", *name);
}

TEST_F(LabScenariosTest, ResumesFromTheStoredIntentAfterKanaryadIsKilled) {
  absl::StatusOr<std::string> name = Create("crashed");
  ASSERT_TRUE(name.ok()) << name.status();
  WaitFor(*name, [](const v1::Rollout& r) { return Progressing(r, 0); });
  absl::SleepFor(absl::Seconds(3));  // mid-step as a rule: the minimum is 6 s
  // The last status read before the kill. A loaded machine may kill later
  // than that, even after a step change: what is asserted holds either way.
  absl::StatusOr<v1::GetRolloutResponse> before = kanaryad().Get(*name);
  ASSERT_TRUE(before.ok()) << before.status();
  const v1::RolloutStatus stored = before->rollout().status();
  ASSERT_EQ(stored.phase(), v1::PHASE_PROGRESSING) << stored.reason();
  ASSERT_GE(stored.step_index(), 0);
  ASSERT_LT(stored.step_index(), std::ssize(kScenarioWeights));
  ASSERT_EQ(stored.canary_weight(), kScenarioWeights[stored.step_index()]);

  kanaryad().daemon().Kill();
  ASSERT_TRUE(kanaryad().daemon().Start(absl::Seconds(30)).ok());
  absl::StatusOr<v1::GetRolloutResponse> after = kanaryad().Get(*name);
  ASSERT_TRUE(after.ok()) << after.status();
  const v1::RolloutStatus& status = after->rollout().status();
  SCOPED_TRACE(absl::StrCat("stored before the kill: step ", stored.step_index(), " at ",
                            stored.canary_weight(), " %, applied ", stored.intent_applied(),
                            "; after the restart: ", v1::Phase_Name(status.phase()), ", step ",
                            status.step_index(), " at ", status.canary_weight(), " %"));
  if (status.phase() == v1::PHASE_PROGRESSING) {
    // Resumed on the stored step with its intent, or already moved on to
    // exactly the next one (the restart took longer than the step's rest).
    if (status.step_index() == stored.step_index()) {
      EXPECT_EQ(status.canary_weight(), stored.canary_weight());
    } else {
      ASSERT_EQ(status.step_index(), stored.step_index() + 1);
      EXPECT_EQ(status.canary_weight(), kScenarioWeights[status.step_index()]);
    }
  } else {  // only the last step's end may come meanwhile: the promotion
    EXPECT_EQ(stored.step_index(), std::ssize(kScenarioWeights) - 1);
    EXPECT_THAT(status.phase(), ::testing::AnyOf(v1::PHASE_PROMOTING, v1::PHASE_SUCCEEDED))
        << status.reason();
  }
  ExpectLiveWeightIsTheAppliedIntent("crashed", *name);

  ExpectPromoted("crashed", *name);
  // The stored log: what was applied before the kill survived it, and every
  // step's weight was written exactly once, in order, across the restart.
  absl::StatusOr<std::vector<v1::RolloutEvent>> events = kanaryad().Events(*name);
  ASSERT_TRUE(events.ok()) << events.status();
  std::vector<int> applied_before_kill, applied;
  for (const v1::RolloutEvent& e : *events) {
    if (e.type() != v1::EVENT_TYPE_WEIGHT_CHANGED) continue;
    applied.push_back(e.canary_weight());
    if (e.sequence() <= stored.event_sequence()) applied_before_kill.push_back(e.canary_weight());
  }
  const int steps_applied = stored.step_index() + (stored.intent_applied() ? 1 : 0);
  EXPECT_EQ(applied_before_kill,
            std::vector<int>(kScenarioWeights.begin(), kScenarioWeights.begin() + steps_applied));
  EXPECT_EQ(applied, kScenarioWeights) << "no step repeated or skipped";
}

TEST_F(LabScenariosTest, PausesOnAPersonsKubectlEditAndGoesOnWhenResumed) {
  absl::StatusOr<std::string> name = Create("edited");
  ASSERT_TRUE(name.ok()) << name.status();
  WaitFor(*name, [](const v1::Rollout& r) { return Progressing(r, 0); });

  const json to_70_30 =
      json::array({{{"op", "replace"}, {"path", "/spec/http/0/route/0/weight"}, {"value", 70}},
                   {{"op", "replace"}, {"path", "/spec/http/0/route/1/weight"}, {"value", 30}}});
  absl::StatusOr<CommandResult> edited = RunCommand(
      {"kubectl", "--kubeconfig=" + kanaryad().kubeconfig_path(), "-n", "edited", "patch",
       "virtualservices.networking.istio.io", "edited", "--type=json", "-p", to_70_30.dump()});
  ASSERT_TRUE(edited.ok()) << edited.status();
  ASSERT_EQ(edited->exit_code, 0) << edited->output;
  ASSERT_EQ(world_->LiveRoutes("edited").canary_weight, 30);

  // Seen at the next weight change, once the step's 6 s are over.
  const v1::Rollout paused = WaitForPhase(*name, v1::PHASE_PAUSED, absl::Seconds(40));
  EXPECT_THAT(paused.status().reason(), StartsWith("drift: VirtualService edited is at 70/30"));
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(world_->LiveRoutes("edited").canary_weight, 30) << "the daemon never fights a human";
  absl::StatusOr<v1::GetRolloutResponse> still = kanaryad().Get(*name);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->rollout().status().phase(), v1::PHASE_PAUSED);

  const CommandResult resumed = Kanaryactl({"resume", *name, "--reason=the edit was a mistake"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  const v1::Rollout reapplied = WaitFor(*name, [](const v1::Rollout& r) {
    return r.status().phase() != v1::PHASE_PAUSED && r.status().intent_applied();
  });
  EXPECT_EQ(world_->LiveRoutes("edited").canary_weight, reapplied.status().canary_weight())
      << "resume re-applies the stored weight";
  EXPECT_THAT(reapplied.status().canary_weight(), ::testing::AnyOf(20, 50));
  ExpectPromoted("edited", *name);
  std::cout << *name << ": " << paused.status().reason() << "\n";
}

TEST_F(LabScenariosTest, AnSreOperatesTheRolloutWithKanaryactlAndBufCurl) {
  const std::string name = Apply("operated", /*gated=*/true);
  ASSERT_FALSE(name.empty());
  WaitFor(name, [](const v1::Rollout& r) { return Progressing(r, 0); });

  const CommandResult paused = Kanaryactl({"pause", name, "--reason=checking dashboards"});
  ASSERT_EQ(paused.exit_code, 0) << paused.output;
  // Paused for longer than the step's minimum: it holds at 20 %.
  const CommandResult timed_out = Kanaryactl({"wait", name, "--timeout=8s"});
  EXPECT_EQ(timed_out.exit_code, 3) << timed_out.output;
  absl::StatusOr<v1::GetRolloutResponse> held = kanaryad().Get(name);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->rollout().status().phase(), v1::PHASE_PAUSED);
  EXPECT_EQ(held->rollout().status().canary_weight(), 20);
  EXPECT_EQ(world_->LiveRoutes("operated").canary_weight, 20);

  const CommandResult resumed = Kanaryactl({"resume", name, "--reason=dashboards fine"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  // The gate holds the second step's weight until approved.
  const v1::Rollout gated = WaitForPhase(name, v1::PHASE_AWAITING_APPROVAL, absl::Seconds(40));
  EXPECT_EQ(gated.status().canary_weight(), 20);
  EXPECT_EQ(world_->LiveRoutes("operated").canary_weight, 20);

  absl::StatusOr<CommandResult> approved =
      RunCommand({KANARYA_BUF_BINARY, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d",
                  json({{"name", name}, {"reason", "looks good"}}).dump(),
                  absl::StrCat("http://", kanaryad().daemon().address(),
                               "/kanarya.v1.RolloutService/ApproveRollout")});
  ASSERT_TRUE(approved.ok()) << approved.status() << " (scripts/install-deps.sh installs buf)";
  ASSERT_EQ(approved->exit_code, 0) << approved->output;
  EXPECT_THAT(approved->output, HasSubstr(name));
  WaitFor(name, [](const v1::Rollout& r) { return Progressing(r, 1); });
  EXPECT_EQ(world_->LiveRoutes("operated").canary_weight, 50);

  const CommandResult aborted = Kanaryactl({"abort", name, "--reason=a customer complains"});
  ASSERT_EQ(aborted.exit_code, 0) << aborted.output;
  const CommandResult waited = Kanaryactl({"wait", name, "--timeout=30s"});
  EXPECT_EQ(waited.exit_code, 1) << waited.output;
  absl::StatusOr<v1::GetRolloutResponse> done = kanaryad().Get(name, 100);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->rollout().status().phase(), v1::PHASE_ABORTED);
  const Routes routes = world_->LiveRoutes("operated");
  EXPECT_EQ(routes.stable_weight, 100);
  EXPECT_EQ(routes.canary_weight, 0);
  EXPECT_EQ(routes.stable_version, "v1");
  std::vector<std::string> actions;
  absl::StatusOr<std::vector<v1::RolloutEvent>> events = kanaryad().Events(name);
  ASSERT_TRUE(events.ok());
  for (const v1::RolloutEvent& e : *events) {
    if (e.type() == v1::EVENT_TYPE_OPERATOR_ACTION) actions.push_back(e.action());
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"CreateRollout", "PauseRollout", "ResumeRollout",
                                               "ApproveRollout", "AbortRollout"}));

  // The other documented exit codes: usage and an unreachable daemon.
  EXPECT_EQ(Kanaryactl({"wait"}).exit_code, 2);
  absl::StatusOr<CommandResult> unreachable = RunCommand(
      {KANARYA_KANARYACTL_BINARY, absl::StrCat("--server=127.0.0.1:", lab::FreeLoopbackPort()),
       "--request_timeout=2s", "wait", name, "--timeout=5s"});
  ASSERT_TRUE(unreachable.ok());
  EXPECT_EQ(unreachable->exit_code, 4) << unreachable->output;
}

}  // namespace
}  // namespace kanarya::e2e
