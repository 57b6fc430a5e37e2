// The demo's two scenarios (scripts/demo.sh), asserted: the real kanaryad
// binary drives the rollouts of deploy/examples/ against the lab's mesh (in
// process: the Kubernetes API emulator, simulated traffic with Istio's
// telemetry and Loki) and a real Prometheus scraping the mesh every second.
// - api-gateway v2, as healthy as v1, goes through every step and is
//   promoted: SUCCEEDED, the VirtualService back at 100/0 and the
//   DestinationRule's stable subset now selecting v2;
// - runner-service v2 starts failing 20 % of its requests once its rollout
//   reaches the second step, and is rolled back after the fault for a
//   regression: ROLLED_BACK, the VirtualService at 100/0 with the stable
//   subset still on v1.
// How fast the rollback follows the fault is measured by
// bench/e2e_rollback_benchmark, not here: a loaded machine slows it.
#include <gmock/gmock.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/spec/rollout_document.h"
#include "gtest/gtest.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"
#include "tests/e2e/lab_world.h"

namespace kanarya::e2e {
namespace {

// Both rollouts finish in about two and a half minutes (docs/lab.md).
constexpr absl::Duration kBudget = absl::Minutes(4);
constexpr double kBadErrorRate = 0.2;

class LabDemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<LabWorld>> world =
        LabWorld::Start(KANARYA_KANARYAD_BINARY, KANARYA_SOURCE_DIR "/tests/lab/services.yaml");
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = *std::move(world);
  }

  void TearDown() override {
    if (HasFailure() && world_ != nullptr) world_->world().Keep();
  }

  std::string Create(const std::string& service) {
    absl::StatusOr<v1::RolloutSpec> spec = spec::ReadRolloutDocument(
        absl::StrCat(KANARYA_SOURCE_DIR, "/deploy/examples/", service, "/rollout-v2.yaml"));
    EXPECT_TRUE(spec.ok()) << spec.status();
    if (!spec.ok()) return "";
    absl::StatusOr<std::string> name = world_->world().Create(*spec, "the demo's scenario");
    EXPECT_TRUE(name.ok()) << name.status();
    return name.value_or("");
  }

  absl::StatusOr<v1::GetRolloutResponse> Get(const std::string& name) {
    return world_->world().Get(name);
  }
  Routes LiveRoutes(const std::string& service) { return world_->LiveRoutes(service); }
  std::vector<int> WeightChanges(const std::string& name) {
    absl::StatusOr<std::vector<int>> weights = world_->world().WeightChanges(name);
    EXPECT_TRUE(weights.ok()) << weights.status();
    return weights.value_or(std::vector<int>{});
  }

  int64_t ServedByBadCanary() { return world_->Served("runner-service", "v2"); }

  std::unique_ptr<LabWorld> world_;
};

TEST_F(LabDemoTest, PromotesTheHealthyCanaryAndRollsBackTheFailingOne) {
  const absl::Time start = absl::Now();
  const std::string good = Create("api-gateway");
  const std::string bad = Create("runner-service");
  ASSERT_FALSE(good.empty() || bad.empty());

  std::optional<absl::Time> fault_at, back_at;
  int64_t served_at_fault = 0;
  v1::Rollout good_rollout, bad_rollout;
  while (absl::Now() - start < kBudget) {
    absl::StatusOr<v1::GetRolloutResponse> good_now = Get(good);
    absl::StatusOr<v1::GetRolloutResponse> bad_now = Get(bad);
    ASSERT_TRUE(good_now.ok() && bad_now.ok()) << good_now.status() << bad_now.status();
    good_rollout = good_now->rollout();
    bad_rollout = bad_now->rollout();
    if (!fault_at && bad_rollout.status().step_index() >= 1 &&
        !Terminal(bad_rollout.status().phase())) {
      ASSERT_TRUE(
          world_->lab()
              .simulation()
              .SetFault({.service = "runner-service", .version = "v2", .error_rate = kBadErrorRate})
              .ok());
      fault_at = absl::Now();
      served_at_fault = ServedByBadCanary();
    }
    if (fault_at && !back_at && LiveRoutes("runner-service").canary_weight == 0) {
      back_at = absl::Now();
    }
    if (Terminal(good_rollout.status().phase()) && Terminal(bad_rollout.status().phase()) &&
        (!fault_at || back_at)) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }

  {
    SCOPED_TRACE(good);
    EXPECT_EQ(good_rollout.status().phase(), v1::PHASE_SUCCEEDED) << good_rollout.status().reason();
    const Routes routes = LiveRoutes("api-gateway");
    EXPECT_EQ(routes.stable_weight, 100);
    EXPECT_EQ(routes.canary_weight, 0);
    EXPECT_EQ(routes.stable_version, "v2") << "the promotion swaps the stable subset's labels";
    EXPECT_EQ(WeightChanges(good), (std::vector<int>{10, 25, 50}));
  }
  {
    SCOPED_TRACE(bad);
    ASSERT_TRUE(fault_at.has_value())
        << "the rollout never reached its second step: " << bad_rollout.status().reason();
    EXPECT_EQ(bad_rollout.status().phase(), v1::PHASE_ROLLED_BACK) << bad_rollout.status().reason();
    EXPECT_THAT(bad_rollout.status().reason(), ::testing::StartsWith("regression: "));
    const Routes routes = LiveRoutes("runner-service");
    EXPECT_EQ(routes.stable_weight, 100);
    EXPECT_EQ(routes.canary_weight, 0);
    EXPECT_EQ(routes.stable_version, "v1");
    EXPECT_EQ(WeightChanges(bad), (std::vector<int>{10, 25}));
    EXPECT_TRUE(back_at.has_value())
        << "the VirtualService never went back to 100/0 after the fault";
  }
  std::cout << good << ": " << v1::Phase_Name(good_rollout.status().phase()) << "; " << bad << ": "
            << v1::Phase_Name(bad_rollout.status().phase()) << " (" << bad_rollout.status().reason()
            << "); fault to 100/0: "
            << (fault_at && back_at ? absl::FormatDuration(*back_at - *fault_at) : "-")
            << "; the bad canary served " << ServedByBadCanary() << " requests, "
            << ServedByBadCanary() - served_at_fault << " after the fault; both finished in "
            << absl::FormatDuration(absl::Now() - start) << "\n";
}

}  // namespace
}  // namespace kanarya::e2e
