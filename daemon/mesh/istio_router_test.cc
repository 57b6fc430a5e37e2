// IstioRouter against the lab's Kubernetes API emulator.
#include "daemon/mesh/istio_router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::mesh {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const kube::ObjectRef kVs{"networking.istio.io", "v1", "virtualservices", "shop", "reviews"};
const kube::ObjectRef kDr{"networking.istio.io", "v1", "destinationrules", "shop", "reviews"};

// A VirtualService with more than the router touches: a second route with a
// match, retries, a mirror, annotations and a field no schema knows.
json VirtualService() {
  return json::parse(R"({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
    "metadata": {"name": "reviews", "annotations": {"owner": "shop-team"}},
    "spec": {"hosts": ["reviews"], "x-unknown": {"keep": [1, 2]},
      "http": [
        {"name": "debug", "match": [{"headers": {"x-debug": {"exact": "1"}}}],
         "route": [{"destination": {"host": "reviews", "subset": "debug"}}]},
        {"name": "primary", "retries": {"attempts": 3, "perTryTimeout": "2s"},
         "mirror": {"host": "shadow"},
         "route": [{"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
                   {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}]}]}})");
}

class IstioRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.AddToken("kanarya", true);
    ASSERT_TRUE(client_.Create(kVs, VirtualService()).ok());
    ASSERT_TRUE(client_
                    .Create(kDr, json::parse(R"({"metadata": {"name": "reviews"}, "spec": {
                      "host": "reviews", "subsets": [{"name": "stable"}, {"name": "canary"}]}})"))
                    .ok());
  }
  IstioRouteConfig Route() const {
    return {.namespace_name = "shop",
            .virtual_service = "reviews",
            .route_name = "primary",
            .host = "reviews",
            .stable_subset = "stable",
            .canary_subset = "canary",
            .destination_rule = "reviews",
            .api_version = "v1"};
  }

  lab::KubeApiEmulator api_;
  kube::KubeClient client_{lab::KubeTokenConfig(api_.url(), "kanarya")};
};

TEST_F(IstioRouterTest, ShiftsOnlyTheWeightsAndKeepsEverythingElse) {
  IstioRouter router(client_, Route());
  ASSERT_TRUE(router.Verify().ok());
  auto split = router.SetCanaryWeight(10);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(*split, (TrafficSplit{90, 10}));
  EXPECT_EQ(*router.Read(), (TrafficSplit{90, 10}));

  json live = *client_.Get(kVs);
  json expected = VirtualService();
  expected["spec"]["http"][1]["route"][0]["weight"] = 90;
  expected["spec"]["http"][1]["route"][1]["weight"] = 10;
  EXPECT_EQ(live["spec"], expected["spec"]);
  EXPECT_EQ(live["metadata"]["annotations"], expected["metadata"]["annotations"]);
}

TEST_F(IstioRouterTest, VerifyNamesWhatIsMissing) {
  IstioRouteConfig missing_subset = Route();
  missing_subset.canary_subset = "v2";
  EXPECT_THAT(IstioRouter(client_, missing_subset).Verify().message(),
              HasSubstr("no destination reviews subset v2"));
  ASSERT_TRUE(
      client_.MergePatch(kDr, {{"spec", {{"subsets", json::array({{{"name", "stable"}}})}}}}).ok());
  const absl::Status status = IstioRouter(client_, Route()).Verify();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("DestinationRule reviews has no subset \"canary\""));
  IstioRouteConfig unnamed = Route();
  unnamed.route_name = "";
  EXPECT_THAT(IstioRouter(client_, unnamed).Verify().message(), HasSubstr("has 2 HTTP routes"));
}

TEST_F(IstioRouterTest, NoTrafficMovesToASubsetThatIsNotDefined) {
  ASSERT_TRUE(
      client_.MergePatch(kDr, {{"spec", {{"subsets", json::array({{{"name", "stable"}}})}}}}).ok());
  IstioRouter router(client_, Route());
  const auto shifted = router.SetCanaryWeight(10);
  EXPECT_EQ(shifted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(shifted.status().message(), HasSubstr("has no subset \"canary\""));
  EXPECT_EQ(*router.Read(), (TrafficSplit{100, 0}));
}

TEST_F(IstioRouterTest, HumanEditIsDriftAndRollbackStillRestoresStable) {
  IstioRouter router(client_, Route());
  ASSERT_TRUE(router.SetCanaryWeight(20).ok());
  // Someone sets 50/50 by hand.
  json edit = *client_.Get(kVs);
  edit["spec"]["http"][1]["route"][0]["weight"] = 50;
  edit["spec"]["http"][1]["route"][1]["weight"] = 50;
  ASSERT_TRUE(client_.Update(kVs, edit).ok());
  const auto drift = router.SetCanaryWeight(30);
  EXPECT_EQ(drift.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(drift.status().message(), HasSubstr("drift: VirtualService reviews is at 50/50"));
  EXPECT_EQ(*router.Read(), (TrafficSplit{50, 50}));  // the human's split stands
  const auto rolled_back = router.Rollback();
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.status();
  EXPECT_EQ(*router.Read(), (TrafficSplit{100, 0}));
}

TEST_F(IstioRouterTest, EditsElsewhereInTheObjectNeverHoldUpAShiftOrARollback) {
  // Four controllers keep relabelling the object as fast as they can.
  std::atomic<bool> stop{false};
  std::vector<std::atomic<int>> last_label(4);
  for (std::atomic<int>& l : last_label) l = -1;
  const auto label = [](int writer) { return std::string("w").append(std::to_string(writer)); };
  std::vector<std::thread> writers;
  writers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      kube::KubeClient writer(lab::KubeTokenConfig(api_.url(), "kanarya"));
      for (int i = 0; i < 5000 && !stop; ++i) {
        const json patch = {{"metadata", {{"labels", {{label(w), std::to_string(i)}}}}}};
        if (writer.MergePatch(kVs, patch).ok()) last_label[w] = i;
      }
    });
  }
  // The storm is on before the first shift.
  for (int i = 0; i < 5000; ++i) {
    if (std::all_of(last_label.begin(), last_label.end(), [](const auto& l) { return l >= 20; })) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  IstioRouter router(client_, Route());
  std::vector<absl::Status> shifts;
  for (int weight = 5; weight <= 50; weight += 5) {
    shifts.push_back(router.SetCanaryWeight(weight).status());
  }
  const auto rolled_back = router.Rollback();
  stop = true;
  for (std::thread& t : writers) t.join();
  for (const absl::Status& shift : shifts) EXPECT_TRUE(shift.ok()) << shift;
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.status();
  const json live = *client_.Get(kVs);
  for (int w = 0; w < 4; ++w) {  // every writer's last edit survives
    ASSERT_GE(last_label[w].load(), 20);
    EXPECT_EQ(live["metadata"]["labels"][label(w)], std::to_string(last_label[w].load()));
  }
  EXPECT_EQ(*router.Read(), (TrafficSplit{100, 0}));
}

TEST_F(IstioRouterTest, EditsOfTheSameRouteAreRetriedAndNeverLost) {
  // Another controller keeps retuning the retries of the route being shifted.
  std::atomic<bool> stop{false};
  std::atomic<int> last_attempts{-1};
  std::thread other([&] {
    kube::KubeClient writer(lab::KubeTokenConfig(api_.url(), "kanarya"));
    for (int i = 0; i < 2000 && !stop; ++i) {
      const json patch = json::array(
          {{{"op", "replace"}, {"path", "/spec/http/1/retries/attempts"}, {"value", i}}});
      if (writer.JsonPatch(kVs, patch).ok()) last_attempts = i;
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  IstioRouter router(client_, Route());
  int shifted = 0;
  for (int weight = 5; weight <= 50; weight += 5) {
    const auto split = router.SetCanaryWeight(weight);
    if (split.ok()) {
      ++shifted;
    } else {
      EXPECT_EQ(split.status().code(), absl::StatusCode::kAborted) << split.status();
    }
  }
  stop = true;
  other.join();
  EXPECT_GE(shifted, 5);  // bounded retries absorb most conflicts
  const json live = *client_.Get(kVs);
  EXPECT_EQ(live["spec"]["http"][1]["retries"]["attempts"], last_attempts.load());
  const TrafficSplit final_split = *router.Read();
  EXPECT_EQ(final_split.stable_weight + final_split.canary_weight, 100);
}

TEST_F(IstioRouterTest, AValidationRejectionIsReportedWithTheServersMessageNotRetried) {
  IstioRouter router(client_, Route());
  ASSERT_TRUE(router.SetCanaryWeight(10).ok());
  api_.RejectNextUpdates(5, "spec.http[1].route[1].weight", "20: canary traffic is frozen");
  const auto rejected = router.SetCanaryWeight(20);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument) << rejected.status();
  EXPECT_THAT(rejected.status().message(),
              HasSubstr("spec.http[1].route[1].weight: Invalid value: 20: canary traffic is "
                        "frozen"));
  EXPECT_EQ(*router.Read(), (TrafficSplit{90, 10}));
  // One attempt was refused; the four other rejections are still pending.
  api_.RejectNextUpdates(0, "", "");
  EXPECT_EQ(*router.SetCanaryWeight(20), (TrafficSplit{80, 20}));
}

TEST_F(IstioRouterTest, AMalformedVirtualServiceIsAnErrorNamingTheField) {
  const kube::ObjectRef other{"networking.istio.io", "v1", "virtualservices", "shop", "broken"};
  ASSERT_TRUE(client_.Create(other, {{"metadata", {{"name", "broken"}}}}).ok());
  IstioRouteConfig config = Route();
  config.virtual_service = "broken";
  IstioRouter router(client_, config);
  EXPECT_EQ(router.Read().status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(client_.MergePatch(other, {{"spec", {{"http", "primary"}}}}).ok());
  EXPECT_EQ(std::string(router.SetCanaryWeight(10).status().message()),
            "VirtualService broken: spec.http: not an array");
  ASSERT_TRUE(client_.MergePatch(kDr, {{"spec", {{"subsets", {{"stable", true}}}}}}).ok());
  EXPECT_EQ(std::string(IstioRouter(client_, Route()).Verify().message()),
            "DestinationRule reviews: spec.subsets: not an array");
}

TEST_F(IstioRouterTest, ServerErrorsFailTheShiftAndChangeNothing) {
  IstioRouter router(client_, Route());
  ASSERT_TRUE(router.SetCanaryWeight(10).ok());
  api_.FailNext(1, 500);
  const auto failed = router.SetCanaryWeight(20);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(), HasSubstr("InternalError"));
  EXPECT_EQ(*router.Read(), (TrafficSplit{90, 10}));
  // 503s are transient: the client's bounded retries absorb two of them.
  api_.FailNext(2, 503);
  EXPECT_EQ(*router.SetCanaryWeight(20), (TrafficSplit{80, 20}));
  // A storm longer than the retries fails the step; the next one goes through.
  api_.FailNext(3, 503);
  EXPECT_EQ(router.SetCanaryWeight(30).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*router.Read(), (TrafficSplit{80, 20}));
  EXPECT_EQ(*router.SetCanaryWeight(30), (TrafficSplit{70, 30}));
}

TEST_F(IstioRouterTest, AWriteWhoseAnswerTimedOutIsNotMistakenForDrift) {
  kube::KubeConfig impatient = lab::KubeTokenConfig(api_.url(), "kanarya");
  impatient.request_timeout = absl::Milliseconds(300);
  kube::KubeClient client(impatient);
  IstioRouter router(client, Route());
  ASSERT_TRUE(router.SetCanaryWeight(10).ok());
  api_.DelayNextWriteAnswers(1, absl::Seconds(1));
  EXPECT_EQ(router.SetCanaryWeight(20).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(*router.Read(), (TrafficSplit{80, 20}));  // it landed all the same
  const auto next = router.SetCanaryWeight(30);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*router.Read(), (TrafficSplit{70, 30}));
  // A human edit after that is still drift.
  ASSERT_TRUE(client_
                  .JsonPatch(kVs, json::parse(R"([
      {"op": "replace", "path": "/spec/http/1/route/0/weight", "value": 100},
      {"op": "replace", "path": "/spec/http/1/route/1/weight", "value": 0}])"))
                  .ok());
  EXPECT_THAT(router.SetCanaryWeight(40).status().message(), HasSubstr("drift:"));
}

TEST_F(IstioRouterTest, TimeoutsAreReportedAndBounded) {
  kube::KubeConfig impatient = lab::KubeTokenConfig(api_.url(), "kanarya");
  impatient.request_timeout = absl::Milliseconds(300);
  kube::KubeClient client(impatient);
  IstioRouter router(client, Route());
  api_.CutOff("kanarya", true);
  const absl::Time start = absl::Now();
  EXPECT_EQ(router.SetCanaryWeight(10).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  api_.CutOff("kanarya", false);
  EXPECT_EQ(*router.SetCanaryWeight(10), (TrafficSplit{90, 10}));
}

TEST_F(IstioRouterTest, RotatedTokenIsPickedUpBetweenSteps) {
  const std::string token = std::filesystem::temp_directory_path() / "kanarya-router-token";
  std::ofstream(token) << "kanarya";
  kube::KubeConfig config;
  config.server = api_.url();
  config.endpoint.bearer_token_file = token;
  kube::KubeClient client(config);
  IstioRouter router(client, Route());
  ASSERT_TRUE(router.SetCanaryWeight(10).ok());
  // The kubelet rotates the projected token; the old one stops working.
  api_.AddToken("kanarya-2", true);
  api_.RemoveToken("kanarya");
  std::filesystem::last_write_time(
      token, std::filesystem::file_time_type::clock::now() - std::chrono::seconds(10));
  std::ofstream(token) << "kanarya-2";
  const auto shifted = router.SetCanaryWeight(20);
  ASSERT_TRUE(shifted.ok()) << shifted.status();
  EXPECT_EQ(*router.Read(), (TrafficSplit{80, 20}));
  std::filesystem::remove(token);
}

TEST_F(IstioRouterTest, PromotionPointsTheStableSubsetAtTheCanaryPodsThenRestoresStable) {
  ASSERT_TRUE(client_
                  .MergePatch(kDr, json::parse(R"({"spec": {"subsets": [
                    {"name": "stable", "labels": {"version": "v1"},
                     "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}},
                    {"name": "canary", "labels": {"version": "v2", "track": "canary"}}]}})"))
                  .ok());
  IstioRouter router(client_, Route());
  ASSERT_TRUE(router.SetCanaryWeight(50).ok());
  const auto promoted = router.PromoteCanary();
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  EXPECT_EQ(*promoted, (TrafficSplit{100, 0}));
  EXPECT_EQ(*router.Read(), (TrafficSplit{100, 0}));
  const json subsets = (*client_.Get(kDr))["spec"]["subsets"];
  EXPECT_EQ(subsets[0]["labels"], json::parse(R"({"version": "v2", "track": "canary"})"));
  EXPECT_EQ(subsets[0]["trafficPolicy"]["tls"]["mode"], "ISTIO_MUTUAL");  // kept
  EXPECT_EQ(subsets[1]["labels"], json::parse(R"({"version": "v2", "track": "canary"})"));
  // Again (a restarted daemon finishing the promotion): nothing changes.
  IstioRouter restarted(client_, Route());
  EXPECT_EQ(*restarted.PromoteCanary(), (TrafficSplit{100, 0}));
  EXPECT_EQ((*client_.Get(kDr))["spec"]["subsets"], subsets);
}

TEST_F(IstioRouterTest, PromotionNamesAMissingSubset) {
  ASSERT_TRUE(
      client_.MergePatch(kDr, {{"spec", {{"subsets", json::array({{{"name", "stable"}}})}}}}).ok());
  const auto promoted = IstioRouter(client_, Route()).PromoteCanary();
  EXPECT_EQ(promoted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(promoted.status().message(), HasSubstr("DestinationRule reviews"));
  EXPECT_EQ(*IstioRouter(client_, Route()).Read(), (TrafficSplit{100, 0}));
}

}  // namespace
}  // namespace kanarya::mesh
