#include "daemon/spec/rollout_document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "daemon/spec/rollout_plan.h"
#include "daemon/spec/rollout_validation.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RolloutDocumentTest, TheExampleLoadsAndIsValid) {
  const absl::StatusOr<v1::RolloutSpec> spec =
      ReadRolloutDocument(absl::StrCat(KANARYA_SOURCE_DIR, "/examples/rollout.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const absl::Status valid = ValidateRolloutSpec(*spec, {"prometheus", "loki"});
  EXPECT_TRUE(valid.ok()) << valid;
  EXPECT_EQ(spec->target().namespace_(), "api-gateway");
  EXPECT_EQ(spec->target().virtual_service(), "api-gateway");
  EXPECT_EQ(spec->target().destination_rule(), "api-gateway");
  EXPECT_EQ(spec->target().stable().subset(), "stable");
  EXPECT_EQ(spec->target().canary().subset(), "canary");
  EXPECT_EQ(spec->revision(), "v42");
  ASSERT_EQ(spec->analysis().metrics_size(), 3);
  EXPECT_EQ(spec->analysis().metrics(2).source().provider(), "loki");
  // Folded YAML lines join with a space: the query is one line.
  EXPECT_EQ(spec->analysis().metrics(0).source().events_query(),
            "sum((istio_requests_total{reporter=\"destination\", "
            "destination_workload_namespace=\"{{namespace}}\",destination_workload="
            "\"{{workload}}\", response_code=~\"5..\"} - istio_requests_total{reporter="
            "\"destination\", destination_workload_namespace=\"{{namespace}}\","
            "destination_workload=\"{{workload}}\", response_code=~\"5..\"} offset "
            "{{window}}) >= 0)");

  const RolloutPlan plan = MakeRolloutPlan(*spec);
  std::vector<int> weights;
  for (const PlannedStep& step : plan.steps) weights.push_back(step.weight);
  EXPECT_THAT(weights, ElementsAre(5, 10, 25, 50, 75));
  EXPECT_EQ(plan.steps[2].min_duration, absl::Minutes(5));
  EXPECT_EQ(plan.steps[3].required_approvals, 1);
  EXPECT_TRUE(plan.steps[3].forbid_self_approval);
  EXPECT_EQ(plan.tick_interval, absl::Seconds(30));
  EXPECT_EQ(plan.progress_deadline, absl::Hours(2));
  EXPECT_EQ(plan.on_query_errors, v1::FAILURE_ACTION_PAUSE);
}

TEST(RolloutDocumentTest, JsonWithEitherFieldSpelling) {
  const absl::StatusOr<v1::RolloutSpec> spec = ParseRolloutDocument(
      R"({"target": {"virtualService": "a", "destination_rule": "b"}, "revision": "r1",
          "steps": {"tickInterval": "20s", "on_inconclusive": "INCONCLUSIVE_ACTION_ADVANCE"}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->target().virtual_service(), "a");
  EXPECT_EQ(spec->target().destination_rule(), "b");
  EXPECT_EQ(spec->steps().tick_interval().seconds(), 20);
  EXPECT_EQ(spec->steps().on_inconclusive(), v1::INCONCLUSIVE_ACTION_ADVANCE);
}

TEST(RolloutDocumentTest, BadDocumentsAreInvalidArgument) {
  const absl::StatusOr<v1::RolloutSpec> unknown = ParseRolloutDocument("target: {vservice: a}\n");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("vservice"));

  const absl::StatusOr<v1::RolloutSpec> bad_yaml = ParseRolloutDocument("target: [a\nrevision: 1");
  EXPECT_EQ(bad_yaml.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_yaml.status().message(), HasSubstr("invalid YAML"));

  const absl::StatusOr<v1::RolloutSpec> bad_enum =
      ParseRolloutDocument("on_failure: FAILURE_ACTION_EXPLODE\n");
  EXPECT_EQ(bad_enum.status().code(), absl::StatusCode::kInvalidArgument);

  const absl::StatusOr<v1::RolloutSpec> bad_duration =
      ParseRolloutDocument("progress_deadline: 2h\n");
  EXPECT_EQ(bad_duration.status().code(), absl::StatusCode::kInvalidArgument);

  const absl::StatusOr<v1::RolloutSpec> missing = ReadRolloutDocument("/nonexistent/spec.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(RolloutDocumentTest, WebhooksReadFromYaml) {
  const absl::StatusOr<v1::RolloutSpec> spec = ParseRolloutDocument(R"(
webhooks:
  - name: release-train
    type: WEBHOOK_TYPE_CONFIRM_PROMOTION
    url: https://gates.internal/train
    timeout: 30s
    metadata: {ticket: CHG-42}
  - {name: team-chat, type: WEBHOOK_TYPE_EVENT, url: "https://hooks.example/x", format: teams}
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->webhooks_size(), 2);
  EXPECT_EQ(spec->webhooks(0).type(), v1::WEBHOOK_TYPE_CONFIRM_PROMOTION);
  EXPECT_EQ(spec->webhooks(0).url(), "https://gates.internal/train");
  EXPECT_EQ(spec->webhooks(0).timeout().seconds(), 30);
  EXPECT_EQ(spec->webhooks(0).metadata().at("ticket"), "CHG-42");
  EXPECT_EQ(spec->webhooks(1).format(), "teams");
}

}  // namespace
}  // namespace kanarya::spec
