#include "daemon/config/rollout_routers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::config {
namespace {

using ::testing::HasSubstr;

v1::Rollout Rollout() {
  v1::Rollout rollout;
  rollout.set_name("api-gateway-7f3c");
  v1::RolloutTarget& target = *rollout.mutable_spec()->mutable_target();
  target.set_namespace_("shop");
  target.set_virtual_service("api-gateway");
  target.set_route("primary");
  target.mutable_stable()->set_host("api-gateway");
  target.mutable_stable()->set_subset("stable");
  target.mutable_canary()->set_subset("canary");
  target.set_destination_rule("api-gateway");
  return rollout;
}

TEST(RolloutRoutersTest, TargetBecomesTheIstioRouteAndTheEventSubject) {
  absl::StatusOr<mesh::RouterConfig> config =
      RouterConfigFor(Rollout(), Defaults{.istio_api_version = "v1beta1"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->istio.namespace_name, "shop");
  EXPECT_EQ(config->istio.virtual_service, "api-gateway");
  EXPECT_EQ(config->istio.route_name, "primary");
  EXPECT_EQ(config->istio.host, "api-gateway");
  EXPECT_EQ(config->istio.stable_subset, "stable");
  EXPECT_EQ(config->istio.canary_subset, "canary");
  EXPECT_EQ(config->istio.destination_rule, "api-gateway");
  EXPECT_EQ(config->istio.api_version, "v1beta1");
  EXPECT_EQ(config->rollout.kind, "Rollout");
  EXPECT_EQ(config->rollout.namespace_name, "shop");
  EXPECT_EQ(config->rollout.name, "api-gateway-7f3c");
}

TEST(RolloutRoutersTest, CanaryOnAnotherHostIsRefusedNamingTheField) {
  v1::Rollout rollout = Rollout();
  rollout.mutable_spec()->mutable_target()->mutable_canary()->set_host("api-gateway-canary");
  absl::StatusOr<mesh::RouterConfig> config = RouterConfigFor(rollout, {});
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("target.canary.host: "));
}

TEST(RolloutRoutersTest, WithoutAClusterEveryRouterFailsThePreflightSayingWhy) {
  RolloutRouters routers(nullptr, nullptr, {});
  absl::StatusOr<mesh::TrafficRouterPtr> router = routers(Rollout());
  EXPECT_EQ(router.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(router.status().message()), HasSubstr("no Kubernetes cluster"));
}

}  // namespace
}  // namespace kanarya::config
