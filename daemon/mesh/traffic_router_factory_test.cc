// MakeTrafficRouter against the lab's Kubernetes API emulator: configuration
// errors, VirtualService version discovery and the events of each change.
#include "daemon/mesh/traffic_router_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::mesh {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class TrafficRouterFactoryTest : public ::testing::Test {
 protected:
  void SetUp() override { api_.AddToken("kanarya", true); }

  // One route from stable to canary, and the subsets, in `version`.
  void CreateRoute(const std::string& version) {
    ASSERT_TRUE(client_
                    .Create({"networking.istio.io", version, "virtualservices", "shop", ""},
                            json::parse(R"({"metadata": {"name": "reviews"}, "spec": {
        "hosts": ["reviews"], "http": [{"route": [
          {"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
          {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}]}]}})"))
                    .ok());
    ASSERT_TRUE(client_
                    .Create({"networking.istio.io", version, "destinationrules", "shop", ""},
                            json::parse(R"({"metadata": {"name": "reviews"}, "spec": {
        "host": "reviews", "subsets": [{"name": "stable"}, {"name": "canary"}]}})"))
                    .ok());
  }
  static RouterConfig Config() {
    RouterConfig config;
    config.istio = {.namespace_name = "shop",
                    .virtual_service = "reviews",
                    .host = "reviews",
                    .stable_subset = "stable",
                    .canary_subset = "canary",
                    .destination_rule = "reviews"};
    config.rollout = {"kanarya.dev/v1alpha1", "Rollout", "shop", "reviews", ""};
    return config;
  }
  std::map<std::string, json> EventsByReason() {
    std::map<std::string, json> events;
    for (const json& e : api_.List("", "events", "shop")) events[e["reason"]] = e;
    return events;
  }

  lab::KubeApiEmulator api_;
  kube::KubeClient client_{lab::KubeTokenConfig(api_.url(), "kanarya")};
  kube::EventRecorder events_{client_, "kanaryad", "test"};
};

TEST_F(TrafficRouterFactoryTest, NamesTheFieldOfABadConfiguration) {
  RouterConfig config = Config();
  config.provider = "linkerd";
  EXPECT_EQ(MakeTrafficRouter(config, client_, events_).status().message(),
            "provider: must be \"istio\", got \"linkerd\"");
  config = Config();
  config.istio.host.clear();
  EXPECT_EQ(MakeTrafficRouter(config, client_, events_).status().message(), "istio.host: required");
  config = Config();
  config.istio.canary_subset = "stable";
  const auto same = MakeTrafficRouter(config, client_, events_);
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(same.status().message(), HasSubstr("istio.canary_subset: must differ"));
}

TEST_F(TrafficRouterFactoryTest, UsesV1beta1WhereTheClusterHasNoV1) {
  api_.ServeIstioVersions({"v1beta1", "v1alpha3"});
  CreateRoute("v1beta1");
  auto router = MakeTrafficRouter(Config(), client_, events_);
  ASSERT_TRUE(router.ok()) << router.status();
  ASSERT_TRUE((*router)->Verify().ok());
  // v1 paths are 404 on this cluster: the shift went through v1beta1.
  EXPECT_EQ(*(*router)->SetCanaryWeight(25), (TrafficSplit{75, 25}));
}

TEST_F(TrafficRouterFactoryTest, PrefersV1AndSaysWhenIstioIsMissing) {
  CreateRoute("v1");
  api_.ServeIstioVersions({"v1alpha3", "v1beta1", "v1"});  // preferred first: v1alpha3
  auto router = MakeTrafficRouter(Config(), client_, events_);
  ASSERT_TRUE(router.ok()) << router.status();
  api_.ServeIstioVersions({"v1"});
  EXPECT_TRUE((*router)->SetCanaryWeight(5).ok());  // it chose v1

  api_.ServeIstioVersions({});
  const auto missing = MakeTrafficRouter(Config(), client_, events_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("is Istio installed?"));
}

TEST_F(TrafficRouterFactoryTest, EveryShiftRollbackAndDriftIsAnEventAboutTheRollout) {
  CreateRoute("v1");
  auto router = MakeTrafficRouter(Config(), client_, events_);
  ASSERT_TRUE(router.ok()) << router.status();
  ASSERT_TRUE((*router)->SetCanaryWeight(10).ok());
  ASSERT_TRUE((*router)->SetCanaryWeight(20).ok());
  ASSERT_TRUE(client_
                  .JsonPatch({"networking.istio.io", "v1", "virtualservices", "shop", "reviews"},
                             json::parse(R"([
      {"op": "replace", "path": "/spec/http/0/route/0/weight", "value": 50},
      {"op": "replace", "path": "/spec/http/0/route/1/weight", "value": 50}])"))
                  .ok());
  EXPECT_FALSE((*router)->SetCanaryWeight(30).ok());
  ASSERT_TRUE((*router)->Rollback().ok());

  const std::vector<json> all = api_.List("", "events", "shop");
  EXPECT_EQ(all.size(), 4u);  // two shifts, the drift, the rollback
  std::map<std::string, json> events = EventsByReason();
  ASSERT_EQ(events.count("TrafficShifted"), 1u);
  EXPECT_EQ(events["TrafficDrift"]["type"], "Warning");
  EXPECT_THAT(events["TrafficDrift"]["message"].get<std::string>(),
              HasSubstr("drift: VirtualService reviews is at 50/50"));
  EXPECT_EQ(events["RolledBack"]["type"], "Warning");
  for (const auto& [reason, e] : events) {
    EXPECT_EQ(e["involvedObject"]["kind"], "Rollout") << reason;
    EXPECT_EQ(e["involvedObject"]["name"], "reviews") << reason;
  }
  std::set<std::string> shift_messages;
  for (const json& e : all) {
    if (e["reason"] == "TrafficShifted") shift_messages.insert(e["message"]);
  }
  EXPECT_EQ(shift_messages, (std::set<std::string>{"canary weight set to 10% (stable 90%)",
                                                   "canary weight set to 20% (stable 80%)"}));
  EXPECT_EQ(events_.failures(), 0);
}

TEST_F(TrafficRouterFactoryTest, FailuresAreWarningsAboutTheRollout) {
  CreateRoute("v1");
  RouterConfig config = Config();
  config.istio.canary_subset = "v2";  // not in the VirtualService
  auto broken = MakeTrafficRouter(config, client_, events_);
  ASSERT_TRUE(broken.ok()) << broken.status();
  EXPECT_FALSE((*broken)->Verify().ok());

  auto router = MakeTrafficRouter(Config(), client_, events_);
  ASSERT_TRUE(router.ok()) << router.status();
  api_.FailNext(3, 503);  // more than the client's retries
  EXPECT_EQ((*router)->SetCanaryWeight(10).status().code(), absl::StatusCode::kUnavailable);
  api_.FailNext(3, 503);
  EXPECT_EQ((*router)->Rollback().status().code(), absl::StatusCode::kUnavailable);

  std::map<std::string, json> events = EventsByReason();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_THAT(events["TrafficRouteInvalid"]["message"].get<std::string>(),
              HasSubstr("no destination reviews subset v2"));
  EXPECT_THAT(events["TrafficShiftFailed"]["message"].get<std::string>(), HasSubstr("503"));
  EXPECT_THAT(events["RollbackFailed"]["message"].get<std::string>(), HasSubstr("503"));
  for (const auto& [reason, e] : events) EXPECT_EQ(e["type"], "Warning") << reason;
}

}  // namespace
}  // namespace kanarya::mesh
