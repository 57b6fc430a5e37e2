// The rollout specs of deploy/examples/ are valid for a daemon with the
// lab's providers, and the demo's two name the Istio objects and workloads
// that tests/lab/services.yaml makes: a spec that drifted from the lab would
// fail its preflight in the demo.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "daemon/spec/rollout_document.h"
#include "daemon/spec/rollout_validation.h"
#include "tests/lab/lab_services.h"

namespace kanarya::lab {
namespace {

absl::StatusOr<v1::RolloutSpec> ReadExample(const std::string& service) {
  return spec::ReadRolloutDocument(std::string(KANARYA_SOURCE_DIR) + "/deploy/examples/" + service +
                                   "/rollout-v2.yaml");
}

class DeployExamplesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DeployExamplesTest, IsValid) {
  absl::StatusOr<v1::RolloutSpec> spec = ReadExample(GetParam());
  ASSERT_TRUE(spec.ok()) << spec.status();
  const absl::Status valid = spec::ValidateRolloutSpec(*spec, {"prometheus", "loki"});
  EXPECT_TRUE(valid.ok()) << valid;
  EXPECT_EQ(spec->target().namespace_(), GetParam());
  EXPECT_EQ(spec->scopes().canary().workload(), GetParam() + "-v2");
}

INSTANTIATE_TEST_SUITE_P(Services, DeployExamplesTest,
                         ::testing::Values("api-gateway", "segmentation-service", "runner-service",
                                           "archive-service", "ai-orchestrator"));

class LabExamplesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LabExamplesTest, NamesTheLabsObjects) {
  absl::StatusOr<v1::RolloutSpec> spec = ReadExample(GetParam());
  ASSERT_TRUE(spec.ok()) << spec.status();

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
