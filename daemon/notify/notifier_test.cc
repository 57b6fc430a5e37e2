// The notifier against a real loopback receiver that fails, times out and
// answers slowly: retries bounded in count and in time, signatures checked
// by recomputing the HMAC, a full queue dropping rather than blocking, and
// the engine never held up by a receiver that does not answer.
#include "daemon/notify/notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "daemon/notify/notifier_collector.h"
#include "daemon/notify/webhook_signature.h"
#include "daemon/telemetry/log.h"
#include "daemon/testing/engine_harness.h"
#include "tests/lab/scripted_http_server.h"

namespace kanarya::notify {
namespace {

using ::kanarya::lab::ScriptedAnswer;
using ::kanarya::lab::ScriptedHttpServer;
using ::kanarya::lab::ScriptedRequest;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Every request the receiver got, in order.
class Inbox {
 public:
  void Add(const ScriptedRequest& request) {
    absl::MutexLock lock(&mutex_);
    requests_.push_back(request);
  }
  std::vector<ScriptedRequest> requests() {
    absl::MutexLock lock(&mutex_);
    return requests_;
  }
  std::vector<std::string> Types() {
    std::vector<std::string> types;
    for (const ScriptedRequest& r : requests()) types.push_back(Header(r, "X-Kanarya-Event"));
    return types;
  }
  static std::string Header(const ScriptedRequest& request, const std::string& name) {
    auto it = request.headers.find(name);
    return it == request.headers.end() ? "" : it->second;
  }

 private:
  absl::Mutex mutex_;
  std::vector<ScriptedRequest> requests_;
};

Receiver FastReceiver(const std::string& url) {
  Receiver receiver;
  receiver.name = "ops";
  receiver.url = url + "/hooks/T0KEN-IN-PATH";
  receiver.timeout = absl::Milliseconds(500);
  receiver.max_attempts = 4;
  receiver.max_delivery_time = absl::Seconds(5);
  receiver.initial_backoff = absl::Milliseconds(20);
  receiver.max_backoff = absl::Milliseconds(80);
  return receiver;
}

Notification Sample(NotificationType type = NotificationType::kPromoted) {
  Notification n;
  n.type = type;
  n.rollout.set_name("rollout-1");
  n.rollout.mutable_spec()->mutable_target()->set_namespace_("shop");
  n.rollout.mutable_status()->set_phase(v1::PHASE_SUCCEEDED);
  n.time = absl::FromUnixSeconds(1'700'000'000);
  return n;
}

constexpr absl::Duration kPatience = absl::Seconds(20);  // far above any delivery here

TEST(NotifierTest, SignedBodyVerifiesByRecomputingTheHmac) {
  Inbox inbox;
  ScriptedHttpServer server([&](const ScriptedRequest& r) {
    inbox.Add(r);
    return ScriptedAnswer{.status = 204};
  });
  Receiver receiver = FastReceiver(server.url());
  receiver.secret = "topsecret";
  const absl::Time before = absl::Now();
  Notifier notifier({receiver});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));

  ASSERT_EQ(inbox.requests().size(), 1u);
  const ScriptedRequest request = inbox.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hooks/T0KEN-IN-PATH");
  EXPECT_EQ(Inbox::Header(request, "Content-Type"), "application/json");
  EXPECT_EQ(Inbox::Header(request, "X-Kanarya-Event"), "rollout.promoted");
  const std::string timestamp = Inbox::Header(request, "X-Kanarya-Timestamp");
  int64_t seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(timestamp, &seconds)) << timestamp;
  // The time of sending, not of the transition: receivers bound its age.
  EXPECT_GE(seconds, absl::ToUnixSeconds(before));
  EXPECT_LE(seconds, absl::ToUnixSeconds(absl::Now()));
  EXPECT_EQ(Inbox::Header(request, "X-Kanarya-Signature"),
            "sha256=" + HmacSha256Hex("topsecret", timestamp + "." + request.body));
  EXPECT_EQ(json::parse(request.body)["type"], "rollout.promoted");
  const NotifierStats stats = notifier.stats();
  EXPECT_EQ(stats.delivered, 1);
  EXPECT_EQ(stats.attempts, 1);
}

TEST(NotifierTest, WithoutASecretNothingIsSigned) {
  Inbox inbox;
  ScriptedHttpServer server([&](const ScriptedRequest& r) {
    inbox.Add(r);
    return ScriptedAnswer{};
  });
  Notifier notifier({FastReceiver(server.url())});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  ASSERT_EQ(inbox.requests().size(), 1u);
  EXPECT_EQ(Inbox::Header(inbox.requests()[0], "X-Kanarya-Signature"), "");
}

TEST(NotifierTest, AFailingReceiverIsRetriedAPreciseNumberOfTimes) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedAnswer{.status = 503}; });
  Notifier notifier({FastReceiver(server.url())});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  EXPECT_EQ(server.requests(), 4);  // max_attempts
  const NotifierStats stats = notifier.stats();
  EXPECT_EQ(stats.attempts, 4);
  EXPECT_EQ(stats.failed, 1);
  EXPECT_EQ(stats.delivered, 0);
}

TEST(NotifierTest, RecoversWhenTheReceiverComesBack) {
  ScriptedHttpServer server(
      [](const ScriptedRequest& r) { return ScriptedAnswer{.status = r.number < 2 ? 502 : 200}; });
  Notifier notifier({FastReceiver(server.url())});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(notifier.stats().delivered, 1);
}

TEST(NotifierTest, AClientErrorIsNotRetried) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedAnswer{.status = 401}; });
  Notifier notifier({FastReceiver(server.url())});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(notifier.stats().failed, 1);
}

TEST(NotifierTest, ASlowAnswerTimesOutAndTheRetrySucceeds) {
  // The first answer takes 2 s, four times the attempt's timeout.
  ScriptedHttpServer server([](const ScriptedRequest& r) {
    return ScriptedAnswer{.status = 200, .delay_ms = r.number == 0 ? 2000 : 0};
  });
  Notifier notifier({FastReceiver(server.url())});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(notifier.stats().delivered, 1);
}

TEST(NotifierTest, RetriesStopAtTheTotalTimeEvenWithAttemptsLeft) {
  // Each attempt times out after 200 ms; the delivery may take 1 s in all.
  // With 100 attempts allowed, only the time bound can stop it: at most
  // 1 s / 200 ms = 5 attempts fit (fewer with the backoff between them).
  ScriptedHttpServer server(
      [](const ScriptedRequest&) { return ScriptedAnswer{.status = 200, .delay_ms = 1000}; });
  Receiver receiver = FastReceiver(server.url());
  receiver.timeout = absl::Milliseconds(200);
  receiver.max_attempts = 100;
  receiver.max_delivery_time = absl::Seconds(1);
  Notifier notifier({receiver});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  const NotifierStats stats = notifier.stats();
  EXPECT_GE(stats.attempts, 2);
  EXPECT_LE(stats.attempts, 5);
  EXPECT_EQ(stats.failed, 1);
}

TEST(NotifierTest, AFullQueueDropsInsteadOfBlocking) {
  ScriptedHttpServer server(
      [](const ScriptedRequest&) { return ScriptedAnswer{.status = 200, .hold = true}; });
  Receiver receiver = FastReceiver(server.url());
  receiver.timeout = absl::Seconds(15);
  Notifier notifier({receiver}, {.queue_capacity = 2, .threads = 1});
  notifier.Notify(Sample());
  ASSERT_TRUE(server.AwaitHeld(1));                       // the only worker is stuck on the first
  for (int i = 0; i < 5; ++i) notifier.Notify(Sample());  // returns although nothing moves
  NotifierStats stats = notifier.stats();
  EXPECT_EQ(stats.queued, 3);
  EXPECT_EQ(stats.dropped, 3);
  server.Release();
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  stats = notifier.stats();
  EXPECT_EQ(stats.delivered, 3);
  EXPECT_EQ(server.requests(), 3);
}

// Polls (every 10 ms, at most `patience`) until `server` has had `count` requests.
bool AwaitRequests(const ScriptedHttpServer& server, int count, absl::Duration patience) {
  const absl::Time deadline = absl::Now() + patience;
  while (server.requests() < count) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST(NotifierTest, AReceiverThatIsDownDelaysNoOther) {
  ScriptedHttpServer down([](const ScriptedRequest&) { return ScriptedAnswer{.status = 503}; });
  ScriptedHttpServer healthy([](const ScriptedRequest&) { return ScriptedAnswer{.status = 200}; });
  Receiver dead = FastReceiver(down.url());
  dead.name = "dead";
  dead.max_attempts = 1000;  // it retries for a minute
  dead.max_delivery_time = absl::Minutes(1);
  dead.initial_backoff = absl::Milliseconds(200);
  dead.max_backoff = absl::Milliseconds(200);
  Notifier notifier({dead, FastReceiver(healthy.url())});  // two workers
  constexpr int kNotifications = 20;
  for (int i = 0; i < kNotifications; ++i) notifier.Notify(Sample());
  // Were a retry to wait in a worker, the first two deliveries to the dead
  // receiver would hold both workers for the whole minute.
  EXPECT_TRUE(AwaitRequests(healthy, kNotifications, absl::Seconds(20)));
  // Meanwhile the dead receiver's deliveries are retried, each on its own.
  EXPECT_TRUE(AwaitRequests(down, 2 * kNotifications + 1, absl::Seconds(20)));
  const NotifierStats stats = notifier.stats();
  EXPECT_EQ(stats.delivered, kNotifications);
  EXPECT_EQ(stats.failed, 0);
  EXPECT_EQ(healthy.requests(), kNotifications);
}

// What /metrics shows: one notification delivered after two 502s, one
// refused with a 401, and three dropped by a full queue.
TEST(NotifierTest, TheCollectorShowsEachOutcomeAndEveryAttempt) {
  std::atomic<int> answered{0};  // to the first receiver
  ScriptedHttpServer server([&answered](const ScriptedRequest& r) {
    if (r.path.find("/refuse") != std::string::npos) return ScriptedAnswer{.status = 401};
    return ScriptedAnswer{.status = answered++ < 2 ? 502 : 200};
  });
  Receiver refusing = FastReceiver(server.url());
  refusing.name = "refusing";
  refusing.url = server.url() + "/refuse";
  Notifier notifier({FastReceiver(server.url()), refusing});
  notifier.Notify(Sample());
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));

  const std::vector<prometheus::MetricFamily> families = NotifierCollector(notifier).Collect();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "kanarya_notifications_total");
  EXPECT_EQ(families[0].type, prometheus::MetricType::Counter);
  std::map<std::string, double> by_outcome;
  for (const prometheus::ClientMetric& m : families[0].metric) {
    ASSERT_EQ(m.label.size(), 1u);
    by_outcome[m.label[0].value] = m.counter.value;
  }
  EXPECT_THAT(by_outcome, ElementsAre(std::pair{"delivered", 1.0}, std::pair{"dropped", 0.0},
                                      std::pair{"failed", 1.0}));
  EXPECT_EQ(families[1].name, "kanarya_notification_attempts_total");
  ASSERT_EQ(families[1].metric.size(), 1u);
  EXPECT_EQ(families[1].metric[0].counter.value, 4);  // 2 failed + 1 delivered, 1 refused
}

TEST(NotifierTest, TheEventFilterChoosesWhatEachReceiverGets) {
  Inbox all;
  Inbox rollbacks;
  ScriptedHttpServer all_server([&](const ScriptedRequest& r) {
    all.Add(r);
    return ScriptedAnswer{};
  });
  ScriptedHttpServer rollback_server([&](const ScriptedRequest& r) {
    rollbacks.Add(r);
    return ScriptedAnswer{};
  });
  Receiver only_rollbacks = FastReceiver(rollback_server.url());
  only_rollbacks.events = {NotificationType::kRolledBack};
  Notifier notifier({FastReceiver(all_server.url()), only_rollbacks});
  notifier.Notify(Sample(NotificationType::kStarted));
  notifier.Notify(Sample(NotificationType::kRolledBack));
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  EXPECT_THAT(rollbacks.Types(), ElementsAre("rollout.rolled_back"));
  EXPECT_EQ(all.requests().size(), 2u);
}

TEST(NotifierTest, LogsNameTheReceiverButNeverItsUrlOrSecret) {
  ScriptedHttpServer server([](const ScriptedRequest&) { return ScriptedAnswer{.status = 500}; });
  Receiver receiver = FastReceiver(server.url());
  receiver.secret = "topsecret";
  receiver.max_attempts = 2;
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  telemetry::SetLogStream(log);
  {
    Notifier notifier({receiver});
    notifier.Notify(Sample());
    ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  }
  telemetry::SetLogStream(stderr);
  std::rewind(log);
  std::string text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, log)) > 0;) text.append(buffer, n);
  std::fclose(log);
  EXPECT_THAT(text, HasSubstr("notification not delivered after 2 attempt(s)"));
  EXPECT_THAT(text, HasSubstr("HTTP 500"));
  EXPECT_THAT(text, HasSubstr("ops"));
  EXPECT_THAT(text, Not(HasSubstr("T0KEN-IN-PATH")));
  EXPECT_THAT(text, Not(HasSubstr("topsecret")));
}

// The engine with the notifier as its commit hook, as kanaryad wires them.
void Attach(testing::EngineHarness& h, Notifier& notifier) {
  h.options.on_commit = [&notifier](const v1::Rollout& before, const v1::Rollout& after,
                                    absl::Time time) { notifier.OnCommit(before, after, time); };
  h.engine = h.MakeEngine();
}

TEST(NotifierEngineTest, ARolloutIsNeverHeldUpByAReceiverThatDoesNotAnswer) {
  Inbox inbox;
  ScriptedHttpServer server([&](const ScriptedRequest& r) {
    inbox.Add(r);
    return ScriptedAnswer{.status = 200, .hold = true};
  });
  Receiver receiver = FastReceiver(server.url());
  receiver.timeout = absl::Seconds(15);
  Notifier notifier({receiver}, {.queue_capacity = 16, .threads = 1});
  testing::EngineHarness h;
  Attach(h, notifier);
  const std::string name = *h.Start(testing::TestRolloutSpec());
  // The whole rollout runs while the receiver holds its first answer.
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_TRUE(server.AwaitHeld(1));
  EXPECT_EQ(notifier.stats().delivered, 0);
  server.Release();
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  // In order: one worker, one queue.
  EXPECT_THAT(inbox.Types(),
              ElementsAre("rollout.started", "rollout.step_advanced", "rollout.promoted"));
  const json promoted = json::parse(inbox.requests()[2].body);
  EXPECT_EQ(promoted["rollout"]["name"], name);
  EXPECT_EQ(promoted["rollout"]["phase"], "SUCCEEDED");
  EXPECT_EQ(promoted["decision"], "PROMOTE");
}

TEST(NotifierEngineTest, ARollbackCarriesTheMetricThatRegressed) {
  Inbox inbox;
  ScriptedHttpServer server([&](const ScriptedRequest& r) {
    inbox.Add(r);
    return ScriptedAnswer{};
  });
  Notifier notifier({FastReceiver(server.url())}, {.threads = 1});
  testing::CanaryTraffic bad;
  bad.canary_error_rate = 0.05;  // 5x the baseline's 1 %
  testing::EngineHarness h(bad);
  Attach(h, notifier);
  const std::string name = *h.Start(testing::TestRolloutSpec());
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_ROLLED_BACK);
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));
  ASSERT_THAT(inbox.Types(), ElementsAre("rollout.started", "rollout.rolled_back"));
  const json body = json::parse(inbox.requests()[1].body);
  EXPECT_EQ(body["decision"], "ROLLBACK");
  EXPECT_EQ(body["rollout"]["previous_phase"], "ROLLING_BACK");
  bool regressed = false;
  for (const json& m : body["metrics"]) {
    if (m["state"] != "REGRESSION") continue;
    regressed = true;
    EXPECT_GT(m["canary_count"].get<int64_t>(), 0);
    EXPECT_GT(m["estimate"].get<double>(), m["allowed_upper"].get<double>());
    EXPECT_LT(m["p_value"].get<double>(), 0.05);
  }
  EXPECT_TRUE(regressed) << body.dump();
}

TEST(NotifierEngineTest, TheRolloutsOwnEventAndPostRolloutHooksAreCalled) {
  Inbox events;
  Inbox post;
  ScriptedHttpServer events_server([&](const ScriptedRequest& r) {
    events.Add(r);
    return ScriptedAnswer{};
  });
  ScriptedHttpServer post_server([&](const ScriptedRequest& r) {
    post.Add(r);
    return ScriptedAnswer{.status = r.number == 0 ? 503 : 200};  // retried once
  });
  Notifier notifier({}, {.threads = 1, .hook_secret = "hook-key"});
  testing::EngineHarness h;
  Attach(h, notifier);
  v1::RolloutSpec spec = testing::TestRolloutSpec();
  v1::Webhook& chat = *spec.add_webhooks();
  chat.set_name("team-chat");
  chat.set_type(v1::WEBHOOK_TYPE_EVENT);
  chat.set_url(events_server.url());
  chat.set_format("slack");
  v1::Webhook& cleanup = *spec.add_webhooks();
  cleanup.set_name("cleanup");
  cleanup.set_type(v1::WEBHOOK_TYPE_POST_ROLLOUT);
  cleanup.set_url(post_server.url() + "/done");
  (*cleanup.mutable_metadata())["job"] = "scale-down";
  const std::string name = *h.Start(spec);
  EXPECT_EQ(h.RunToEnd(name).status().phase(), v1::PHASE_SUCCEEDED);
  ASSERT_TRUE(notifier.WaitIdle(absl::Now() + kPatience));

  EXPECT_THAT(events.Types(),
              ElementsAre("rollout.started", "rollout.step_advanced", "rollout.promoted"));
  EXPECT_EQ(json::parse(events.requests()[2].body)["blocks"].size(), 3u);  // Slack's format
  ASSERT_EQ(post.requests().size(), 2u);
  const ScriptedRequest done = post.requests()[1];
  EXPECT_EQ(done.path, "/done");
  EXPECT_EQ(Inbox::Header(done, "X-Kanarya-Event"), "webhook.post-rollout");
  const json body = json::parse(done.body);
  EXPECT_EQ(body["type"], "webhook.post-rollout");
  EXPECT_EQ(body["name"], "cleanup");
  EXPECT_EQ(body["metadata"]["job"], "scale-down");
  EXPECT_EQ(body["rollout"]["phase"], "SUCCEEDED");
  // Signed with the rollout's namespace and name (the hook secret is shared).
  EXPECT_EQ(Inbox::Header(done, "X-Kanarya-Namespace"), "shop");
  EXPECT_EQ(Inbox::Header(done, "X-Kanarya-Rollout"), body["rollout"]["name"]);
  EXPECT_EQ(
      Inbox::Header(done, "X-Kanarya-Signature"),
      "sha256=" + HmacSha256Hex("hook-key", Inbox::Header(done, "X-Kanarya-Timestamp") + ".shop." +
                                                Inbox::Header(done, "X-Kanarya-Rollout") + "." +
                                                done.body));
}

}  // namespace
}  // namespace kanarya::notify
