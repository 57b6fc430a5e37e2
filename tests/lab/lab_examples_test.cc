// The demo's rollout specs (examples/lab/) are valid for a daemon with the
// lab's providers, and name the Istio objects and workloads that
// tests/lab/services.yaml makes: a spec that drifted from the lab would
// fail its preflight in the demo.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "daemon/spec/rollout_document.h"
#include "daemon/spec/rollout_validation.h"
#include "tests/lab/lab_services.h"

namespace kanarya::lab {
namespace {

class LabExamplesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LabExamplesTest, IsValidAndNamesTheLabsObjects) {
  absl::StatusOr<v1::RolloutSpec> spec = spec::ReadRolloutDocument(
      std::string(KANARYA_SOURCE_DIR) + "/examples/lab/" + GetParam() + "-v2.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(spec::ValidateRolloutSpec(*spec, {"prometheus", "loki"}).ok());

  absl::StatusOr<std::vector<LabService>> services =
      LoadLabServices(std::string(KANARYA_SOURCE_DIR) + "/tests/lab/services.yaml");
  ASSERT_TRUE(services.ok()) << services.status();
  const LabService* service = nullptr;
  for (const LabService& s : *services) {
    if (s.name == GetParam()) service = &s;
  }
  ASSERT_NE(service, nullptr);
  const v1::RolloutTarget& target = spec->target();
  EXPECT_EQ(target.namespace_(), service->namespace_name);
  EXPECT_EQ(target.virtual_service(), service->name);
  EXPECT_EQ(target.destination_rule(), service->name);
  EXPECT_EQ(target.route(), "primary");
  EXPECT_EQ(target.stable().host(), service->host());
  EXPECT_EQ(target.stable().subset(), "stable");
  EXPECT_EQ(target.canary().subset(), "canary");
  EXPECT_EQ(spec->scopes().baseline().workload(), service->workload(service->stable_version));
  EXPECT_EQ(spec->scopes().baseline().version(), service->stable_version);
  EXPECT_EQ(spec->scopes().canary().workload(), service->workload(service->canary_version));
  EXPECT_EQ(spec->scopes().canary().version(), service->canary_version);
  EXPECT_EQ(spec->revision(), service->canary_version);
}

INSTANTIATE_TEST_SUITE_P(Demo, LabExamplesTest, ::testing::Values("api-gateway", "runner-service"));

}  // namespace
}  // namespace kanarya::lab
