// A rollout's webhooks through the engine on a virtual clock, against real
// loopback hooks: confirm gates hold a step (and only a step) until they
// answer 2xx while the analysis runs on and can roll back; pre-rollout,
// rollback hooks; the engine never waits on a hook.
#include "daemon/notify/webhook_gates.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/match.h"
#include "daemon/notify/webhook_signature.h"
#include "daemon/testing/engine_harness.h"
#include "tests/lab/scripted_http_server.h"

namespace kanarya::notify {
namespace {

using ::kanarya::lab::ScriptedAnswer;
using ::kanarya::lab::ScriptedHttpServer;
using ::kanarya::lab::ScriptedRequest;
using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::RouterCall;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RouterCall Set(int weight) { return {"reviews", "SetCanaryWeight", weight}; }
const RouterCall kRollback{"reviews", "Rollback", 0};
const RouterCall kPromote{"reviews", "PromoteCanary", 0};

// A hook that answers 200 while open and `closed_status` otherwise.
class Hook {
 public:
  explicit Hook(int closed_status = 403)
      : server_([this, closed_status](const ScriptedRequest& r) {
          {
            absl::MutexLock lock(&mutex_);
            last_ = r;
          }
          return ScriptedAnswer{.status = open_ ? 200 : closed_status};
        }) {}
  void Open() { open_ = true; }
  void Close() { open_ = false; }
  std::string url() const { return server_.url() + "/hook"; }
  int requests() const { return server_.requests(); }
  ScriptedRequest last() {
    absl::MutexLock lock(&mutex_);
    return last_;
  }

 private:
  std::atomic<bool> open_ = false;
  absl::Mutex mutex_;
  ScriptedRequest last_;
  ScriptedHttpServer server_;  // last: its handler uses the above
};

v1::RolloutSpec WithHook(v1::WebhookType type, const std::string& name, const std::string& url) {
  v1::RolloutSpec spec = testing::TestRolloutSpec();
  v1::Webhook& hook = *spec.add_webhooks();
  hook.set_type(type);
  hook.set_name(name);
  hook.set_url(url);
  hook.mutable_timeout()->set_seconds(5);
  return spec;
}

// The engine with the gates, run pass by pass as the daemon runs it, each
// pass's hook requests answered (in real time) before the virtual clock
// moves on, until `done` or `limit` of virtual time.
class GatedHarness {
 public:
  explicit GatedHarness(const testing::CanaryTraffic& traffic = {}) : h(traffic) {
    h.options.hooks = &gates;
    h.engine = h.MakeEngine();
  }
  v1::Rollout Drive(const std::string& name, const std::function<bool(const v1::Rollout&)>& done,
                    absl::Duration limit) {
    const absl::Time end = h.clock.Now() + limit;
    for (int pass = 0; pass < 100'000; ++pass) {
      const absl::Time next = h.engine->RunDue();
      EXPECT_TRUE(gates.WaitIdle(absl::Now() + absl::Seconds(20)));
      v1::Rollout rollout = h.Current(name);
      if (done(rollout) || next > end) return rollout;
      h.clock.AdvanceTo(next);
    }
    return h.Current(name);
  }
  v1::Rollout DriveToEnd(const std::string& name) {
    return Drive(
        name,
        [](const v1::Rollout& r) {
          return engine::IsFinal(r.status().phase()) && r.status().intent_applied();
        },
        absl::Hours(3));
  }
  v1::Rollout DriveFor(const std::string& name, absl::Duration time) {
    return Drive(
        name, [](const v1::Rollout&) { return false; }, time);
  }
  std::vector<std::string> WebhookEvents(const std::string& name) {
    std::vector<std::string> messages;
    for (const v1::RolloutEvent& e : h.Events(name)) {
      if (e.type() == v1::EVENT_TYPE_WEBHOOK) messages.push_back(e.message());
    }
    return messages;
  }

  WebhookGates gates{{.secret = "hook-key"}};
  EngineHarness h;
};

TEST(WebhookGatesTest, ConfirmTrafficIncreaseHoldsTheStepUntilTheHookSaysYes) {
  Hook hook;
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_CONFIRM_TRAFFIC_INCREASE, "qa-signoff", hook.url()));
  // Step 1 may end after a minute; half an hour later it still waits.
  v1::Rollout waiting = g.DriveFor(name, absl::Minutes(30));
  EXPECT_EQ(waiting.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(waiting.status().step_index(), 0);
  EXPECT_EQ(waiting.status().reason(),
            "waiting for the confirm-traffic-increase webhook \"qa-signoff\" to answer 2xx (last: "
            "HTTP 403)");
  EXPECT_THAT(g.h.mesh.writes(), ElementsAre(Set(10)));
  // The analysis ran on: a tick every 10 s.
  EXPECT_GE(waiting.status().ticks(), 170);
  // Polled once per tick at most, and recorded in the event log.
  EXPECT_LE(hook.requests(), waiting.status().ticks() + 1);
  EXPECT_GE(hook.requests(), 100);
  EXPECT_THAT(g.WebhookEvents(name), ::testing::Contains(waiting.status().reason()));

  hook.Open();
  const v1::Rollout done = g.DriveToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED) << done.status().reason();
  EXPECT_THAT(g.h.mesh.writes(), ElementsAre(Set(10), Set(50), kPromote));
}

TEST(WebhookGatesTest, AGateIsAskedWhenTheStepCouldMoveNotBefore) {
  Hook hook;
  hook.Open();  // a release window open at first...
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_CONFIRM_TRAFFIC_INCREASE, "release-window", hook.url()));
  // ...while step 1 cannot move yet (its minimum duration is a minute)...
  EXPECT_EQ(g.DriveFor(name, absl::Seconds(30)).status().step_index(), 0);
  EXPECT_EQ(hook.requests(), 0);
  // ...and closed by the time it could: the step holds.
  hook.Close();
  const v1::Rollout waiting = g.DriveFor(name, absl::Minutes(30));
  EXPECT_EQ(waiting.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(waiting.status().step_index(), 0);
  EXPECT_THAT(waiting.status().reason(), HasSubstr("(last: HTTP 403)"));
  EXPECT_THAT(g.h.mesh.writes(), ElementsAre(Set(10)));
}

// The gates alone, as the engine calls them for a rollout at its last step.
v1::Rollout RolloutWithGate(const std::string& url) {
  v1::Rollout rollout;
  rollout.set_name("shop/reviews");
  *rollout.mutable_spec() = WithHook(v1::WEBHOOK_TYPE_CONFIRM_PROMOTION, "release-train", url);
  rollout.mutable_status()->set_phase(v1::PHASE_PROGRESSING);
  rollout.mutable_status()->set_step_index(1);
  return rollout;
}

engine::HookVerdict::Kind Settled(WebhookGates& gates, const v1::Rollout& rollout) {
  EXPECT_TRUE(gates.WaitIdle(absl::Now() + absl::Seconds(20)));
  return gates.Check(rollout, engine::HookPoint::kPromotion).kind;
}

TEST(WebhookGatesTest, APassIsUsedByTheMoveItAllows) {
  using Kind = engine::HookVerdict::Kind;
  Hook hook;
  hook.Open();
  WebhookGates gates;
  const v1::Rollout rollout = RolloutWithGate(hook.url());
  EXPECT_EQ(gates.Check(rollout, engine::HookPoint::kPromotion).kind, Kind::kWait);
  EXPECT_EQ(Settled(gates, rollout), Kind::kProceed);
  // That yes is spent: the next move waits for a new answer, which is no.
  hook.Close();
  EXPECT_EQ(gates.Check(rollout, engine::HookPoint::kPromotion).kind, Kind::kWait);
  EXPECT_EQ(Settled(gates, rollout), Kind::kWait);
  // Three calls: the yes, the no, and the one the last check asked for.
  EXPECT_TRUE(gates.WaitIdle(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(hook.requests(), 3);
}

TEST(WebhookGatesTest, AWithdrawnPassDoesNotCount) {
  using Kind = engine::HookVerdict::Kind;
  Hook hook;
  hook.Open();
  WebhookGates gates;
  const v1::Rollout rollout = RolloutWithGate(hook.url());
  EXPECT_EQ(gates.Check(rollout, engine::HookPoint::kPromotion).kind, Kind::kWait);
  EXPECT_TRUE(gates.WaitIdle(absl::Now() + absl::Seconds(20)));
  // The move could not happen after all (say, the evidence went stale).
  gates.Withdraw(rollout, engine::HookPoint::kPromotion);
  hook.Close();
  EXPECT_EQ(gates.Check(rollout, engine::HookPoint::kPromotion).kind, Kind::kWait);
  EXPECT_EQ(Settled(gates, rollout), Kind::kWait);
}

TEST(WebhookGatesTest, AnErringHookIsAskedWithBackoff) {
  Hook hook(503);  // a rollback hook whose receiver is down
  GatedHarness g;
  v1::RolloutSpec spec = WithHook(v1::WEBHOOK_TYPE_ROLLBACK, "kill-switch", hook.url());
  spec.mutable_steps()->mutable_min_step_duration()->set_seconds(1800);  // still running
  spec.mutable_steps()->mutable_max_step_duration()->set_seconds(3600);
  const std::string name = *g.h.Start(spec);
  const v1::Rollout running = g.DriveFor(name, absl::Seconds(600));
  EXPECT_EQ(running.status().phase(), v1::PHASE_PROGRESSING);
  // About 60 ticks; asked at checks 1, 2, 4, 8, 16, 32 (not 60 times).
  EXPECT_GE(running.status().ticks(), 50);
  EXPECT_GE(hook.requests(), 5);
  EXPECT_LE(hook.requests(), 7);
}

TEST(WebhookGatesTest, TheRequestDescribesTheRolloutAndIsSigned) {
  Hook hook;
  GatedHarness g;
  v1::RolloutSpec spec = WithHook(v1::WEBHOOK_TYPE_CONFIRM_PROMOTION, "release-train", hook.url());
  (*spec.mutable_webhooks(0)->mutable_metadata())["ticket"] = "CHG-42";
  const std::string name = *g.h.Start(spec);
  g.Drive(
      name, [&](const v1::Rollout&) { return hook.requests() > 0; }, absl::Hours(1));
  const ScriptedRequest request = hook.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hook");
  const json body = json::parse(request.body);
  EXPECT_EQ(body["version"], 1);
  EXPECT_EQ(body["type"], "webhook.confirm-promotion");
  EXPECT_EQ(body["name"], "release-train");
  EXPECT_EQ(body["metadata"]["ticket"], "CHG-42");
  EXPECT_EQ(body["rollout"]["name"], name);
  EXPECT_EQ(body["rollout"]["namespace"], "shop");
  EXPECT_EQ(body["rollout"]["phase"], "PROGRESSING");
  EXPECT_EQ(body["rollout"]["step"], 2);  // asked while the last step runs
  // The namespace and the rollout are signed with the body: a receiver that
  // serves one team checks X-Kanarya-Namespace and the signature over it.
  const std::string timestamp = request.headers.find("X-Kanarya-Timestamp")->second;
  EXPECT_EQ(request.headers.find("X-Kanarya-Namespace")->second, "shop");
  EXPECT_EQ(request.headers.find("X-Kanarya-Rollout")->second, name);
  EXPECT_EQ(
      request.headers.find("X-Kanarya-Signature")->second,
      "sha256=" + HmacSha256Hex("hook-key", timestamp + ".shop." + name + "." + request.body));
}

TEST(WebhookGatesTest, ARegressionWhileWaitingForPromotionRollsBack) {
  Hook hook;  // never opens
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_CONFIRM_PROMOTION, "release-train", hook.url()));
  const v1::Rollout waiting = g.Drive(
      name,
      [](const v1::Rollout& r) {
        return absl::StartsWith(r.status().reason(), "waiting for the confirm-promotion");
      },
      absl::Hours(1));
  ASSERT_EQ(waiting.status().step_index(), 1) << waiting.status().reason();
  EXPECT_EQ(waiting.status().canary_weight(), 50);
  // Now the canary turns bad (5x the baseline's error rate).
  testing::CanaryTraffic bad;
  bad.canary_error_rate = 0.05;
  g.h.prometheus.set_responder(testing::MakeResponder(bad));
  const v1::Rollout done = g.DriveToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(done.status().reason(), HasSubstr("regression"));
  EXPECT_THAT(g.h.mesh.writes(), ElementsAre(Set(10), Set(50), kRollback));
}

TEST(WebhookGatesTest, ConfirmRolloutHoldsEveryTrafficMove) {
  Hook hook;
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_CONFIRM_ROLLOUT, "change-window", hook.url()));
  const v1::Rollout waiting = g.DriveFor(name, absl::Minutes(10));
  EXPECT_EQ(waiting.status().phase(), v1::PHASE_INITIALIZING);
  EXPECT_EQ(waiting.status().reason(),
            "waiting for the confirm-rollout webhook \"change-window\" to answer 2xx (last: HTTP "
            "403)");
  EXPECT_TRUE(g.h.mesh.writes().empty());
  // Two events: no answer yet, then the 403; not one per poll.
  EXPECT_THAT(g.WebhookEvents(name),
              ElementsAre(HasSubstr("(last: no answer yet)"), waiting.status().reason()));
  hook.Open();
  EXPECT_EQ(g.DriveToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_THAT(g.h.mesh.writes(), ElementsAre(Set(10), Set(50), kPromote));
}

TEST(WebhookGatesTest, AFailingPreRolloutHookFailsTheRolloutBeforeTrafficMoves) {
  Hook hook(500);
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_PRE_ROLLOUT, "smoke-test", hook.url()));
  const v1::Rollout done = g.DriveToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_FAILED);
  EXPECT_THAT(done.status().reason(),
              HasSubstr("the pre-rollout webhook \"smoke-test\" failed 3 times in a row (last: "
                        "HTTP 500)"));
  EXPECT_EQ(hook.requests(), 3);
  EXPECT_TRUE(g.h.mesh.writes().empty());
}

TEST(WebhookGatesTest, APassingPreRolloutHookIsCalledOnce) {
  Hook hook;
  hook.Open();
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_PRE_ROLLOUT, "smoke-test", hook.url()));
  EXPECT_EQ(g.DriveToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_EQ(hook.requests(), 1);
}

TEST(WebhookGatesTest, ARollbackHookThatSaysYesRollsBack) {
  Hook hook(404);
  GatedHarness g;
  const std::string name =
      *g.h.Start(WithHook(v1::WEBHOOK_TYPE_ROLLBACK, "kill-switch", hook.url()));
  const v1::Rollout running = g.DriveFor(name, absl::Seconds(45));
  EXPECT_EQ(running.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_GE(hook.requests(), 2);
  hook.Open();
  const v1::Rollout done = g.DriveToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_EQ(done.status().reason(),
            "the rollback webhook \"kill-switch\" asked for a rollback (HTTP 200)");
  EXPECT_THAT(g.h.mesh.writes(), ElementsAre(Set(10), kRollback));
}

TEST(WebhookGatesTest, TheEngineNeverWaitsForAHook) {
  // The hook holds every answer (up to 10 s); the engine's passes go on.
  ScriptedHttpServer server(
      [](const ScriptedRequest&) { return ScriptedAnswer{.status = 200, .hold = true}; });
  WebhookGates gates;
  EngineHarness h;
  h.options.hooks = &gates;
  h.engine = h.MakeEngine();
  const std::string name =
      *h.Start(WithHook(v1::WEBHOOK_TYPE_ROLLBACK, "kill-switch", server.url()));
  // The whole rollout runs while the hook holds its first answer.
  const v1::Rollout done = h.RunToEnd(name);
  EXPECT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_GE(done.status().ticks(), 12);
  EXPECT_TRUE(server.AwaitHeld(1));  // the one request, still unanswered
  EXPECT_EQ(server.requests(), 1);   // one in flight per hook, never a pile
  server.Release();
  EXPECT_TRUE(gates.WaitIdle(absl::Now() + absl::Seconds(20)));
}

}  // namespace
}  // namespace kanarya::notify
