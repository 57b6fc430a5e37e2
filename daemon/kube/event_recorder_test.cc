// EventRecorder against the lab's Kubernetes API emulator.
#include "daemon/kube/event_recorder.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

const EventSubject kRollout{"kanarya.dev/v1alpha1", "Rollout", "shop", "reviews", "uid-1"};

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.AddToken("writer", true);
    api_.AddToken("reader", false);
  }
  KubeClient Client(const std::string& token) {
    return KubeClient(lab::KubeTokenConfig(api_.url(), token));
  }
  std::vector<json> Events() { return api_.List("", "events", "shop"); }

  lab::KubeApiEmulator api_;
};

TEST_F(EventRecorderTest, RecordsACoreEventAboutTheSubject) {
  KubeClient client = Client("writer");
  EventRecorder recorder(client, "kanaryad", "kanaryad-7d9f-x2");
  recorder.Record(kRollout, EventType::kNormal, "TrafficShifted", "canary weight set to 10%");
  const std::vector<json> events = Events();
  ASSERT_EQ(events.size(), 1u);
  const json& e = events[0];
  EXPECT_TRUE(e["metadata"]["name"].get<std::string>().starts_with("reviews."));
  EXPECT_EQ(e["metadata"]["namespace"], "shop");
  EXPECT_EQ(e["involvedObject"], json::parse(R"({"apiVersion": "kanarya.dev/v1alpha1",
      "kind": "Rollout", "namespace": "shop", "name": "reviews", "uid": "uid-1"})"));
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["reason"], "TrafficShifted");
  EXPECT_EQ(e["message"], "canary weight set to 10%");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["source"]["component"], "kanaryad");
  EXPECT_EQ(e["reportingInstance"], "kanaryad-7d9f-x2");
  EXPECT_EQ(e["firstTimestamp"].get<std::string>().size(), 20u);  // 2026-11-26T08:00:00Z
  EXPECT_EQ(recorder.failures(), 0);
}

TEST_F(EventRecorderTest, RepeatsBumpTheCountAndNewsAddAnEvent) {
  KubeClient client = Client("writer");
  EventRecorder recorder(client, "kanaryad", "pod");
  for (int i = 0; i < 3; ++i) {
    recorder.Record(kRollout, EventType::kWarning, "TrafficDrift", "drift: 50/50");
  }
  recorder.Record(kRollout, EventType::kWarning, "TrafficDrift", "drift: 60/40");
  std::vector<json> events = Events();
  ASSERT_EQ(events.size(), 2u);
  std::map<std::string, int> counts;
  for (const json& e : events) counts[e["message"]] = e["count"];
  EXPECT_EQ(counts["drift: 50/50"], 3);
  EXPECT_EQ(counts["drift: 60/40"], 1);

  // An event that expired from the cluster starts a new series.
  for (const json& e : events) api_.Delete("", "events", "shop", e["metadata"]["name"]);
  recorder.Record(kRollout, EventType::kWarning, "TrafficDrift", "drift: 50/50");
  events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 1);
  EXPECT_EQ(recorder.failures(), 0);
}

TEST_F(EventRecorderTest, FailuresAreCountedNotRaised) {
  KubeClient client = Client("reader");  // may not write
  EventRecorder recorder(client, "kanaryad", "pod");
  recorder.Record(kRollout, EventType::kWarning, "RolledBack", "all traffic to stable");
  api_.FailNext(1, 503);  // an Event is created once: no retry after a 503
  recorder.Record(kRollout, EventType::kWarning, "RolledBack", std::string(5000, 'x'));
  EXPECT_EQ(recorder.failures(), 2);
  EXPECT_TRUE(Events().empty());

  KubeClient writer = Client("writer");
  EventRecorder long_messages(writer, "kanaryad", "pod");
  long_messages.Record(kRollout, EventType::kNormal, "Long", std::string(5000, 'x'));
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0]["message"].get<std::string>().size(), 1024u);
}

TEST_F(EventRecorderTest, MessagesAreCutOnCharacterBoundariesAndInvalidUtf8IsReplaced) {
  KubeClient writer = Client("writer");
  EventRecorder recorder(writer, "kanaryad", "pod");
  // The euro sign straddles the 1024-byte limit: the cut goes before it.
  recorder.Record(kRollout, EventType::kWarning, "Long",
                  std::string(1022, 'x') + "\xE2\x82\xAC and more");
  // A proxy's Latin-1 error page passed on as a message.
  recorder.Record(kRollout, EventType::kWarning, "RollbackFailed",
                  "HTTP 502: <h1>Zugriff f\xFCr kanarya verweigert</h1>");
  std::map<std::string, std::string> messages;
  for (const json& e : Events()) messages[e["reason"]] = e["message"];
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages["Long"], std::string(1022, 'x'));
  EXPECT_EQ(messages["RollbackFailed"],
            "HTTP 502: <h1>Zugriff f\xEF\xBF\xBDr kanarya verweigert</h1>");
  EXPECT_EQ(recorder.failures(), 0);
}

}  // namespace
}  // namespace kanarya::kube
