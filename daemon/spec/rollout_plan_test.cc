#include "daemon/spec/rollout_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/spec/rollout_validation.h"
#include "daemon/spec/spec_test_util.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;

std::vector<int> Weights(const RolloutPlan& plan) {
  std::vector<int> weights;
  for (const PlannedStep& step : plan.steps) weights.push_back(step.weight);
  return weights;
}

TEST(RolloutPlanTest, ExpandsStepWeightUpToMaxWeight) {
  EXPECT_THAT(ExpandStepWeights(10, 50), ElementsAre(10, 20, 30, 40, 50));
  EXPECT_THAT(ExpandStepWeights(30, 100), ElementsAre(30, 60, 90, 100));
  EXPECT_THAT(ExpandStepWeights(25, 25), ElementsAre(25));
  EXPECT_THAT(ExpandStepWeights(1, 3), ElementsAre(1, 2, 3));
}

TEST(RolloutPlanTest, GeneratedStepsTakeTheStepPlanDurations) {
  v1::RolloutSpec spec = ValidSpec();
  spec.mutable_steps()->clear_steps();
  spec.mutable_steps()->set_step_weight(10);
  spec.mutable_steps()->set_max_weight(50);
  spec.mutable_steps()->mutable_min_step_duration()->set_seconds(90);
  ASSERT_TRUE(ValidateRolloutSpec(spec, {}).ok());
  const RolloutPlan plan = MakeRolloutPlan(spec);
  EXPECT_THAT(Weights(plan), ElementsAre(10, 20, 30, 40, 50));
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const PlannedStep& step = plan.steps[i];
    EXPECT_EQ(step.min_duration, absl::Seconds(90));
    EXPECT_EQ(step.max_duration, absl::Minutes(10));
    EXPECT_EQ(step.required_approvals, 0);
    EXPECT_FALSE(step.forbid_self_approval);
    // Advancing from the last step is the promotion: it needs the evidence.
    EXPECT_EQ(step.require_within_tolerance, i + 1 == plan.steps.size());
  }
}

TEST(RolloutPlanTest, DefaultsOfAMinimalSpec) {
  v1::RolloutSpec spec = ValidSpec();
  spec.mutable_steps()->clear_tick_interval();
  const RolloutPlan plan = MakeRolloutPlan(spec);
  EXPECT_EQ(plan.tick_interval, absl::Seconds(10));
  EXPECT_EQ(plan.on_inconclusive, v1::INCONCLUSIVE_ACTION_PAUSE);
  EXPECT_EQ(plan.initial_delay, absl::ZeroDuration());
  EXPECT_EQ(plan.no_data_limit, 6);
  EXPECT_EQ(plan.on_no_data, v1::FAILURE_ACTION_ROLLBACK);
  EXPECT_EQ(plan.query_error_limit, 3);
  EXPECT_EQ(plan.on_query_errors, v1::FAILURE_ACTION_ROLLBACK);
  EXPECT_EQ(plan.on_failure, v1::FAILURE_ACTION_ROLLBACK);
  EXPECT_FALSE(plan.dry_run);
  EXPECT_EQ(plan.promotion, v1::PROMOTION_STRATEGY_SWAP_SUBSETS);
  EXPECT_EQ(plan.progress_deadline, absl::InfiniteDuration());
  EXPECT_EQ(plan.analysis.SerializeAsString(), spec.analysis().SerializeAsString());
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].min_duration, absl::Minutes(1));
  EXPECT_EQ(plan.steps[0].max_duration, absl::Minutes(10));
  // The test spec's second step has a gate without a count: one approval.
  EXPECT_EQ(plan.steps[0].required_approvals, 0);
  EXPECT_EQ(plan.steps[1].required_approvals, 1);
}

TEST(RolloutPlanTest, ExplicitValuesWin) {
  v1::RolloutSpec spec = ValidSpec();
  v1::Step* step = spec.mutable_steps()->mutable_steps(1);
  step->mutable_min_duration()->set_seconds(30);
  step->mutable_max_duration()->set_seconds(45);
  step->mutable_gate()->set_required_approvals(2);
  step->mutable_gate()->set_forbid_self_approval(true);
  spec.mutable_steps()->mutable_steps(0)->set_require_within_tolerance(true);
  spec.mutable_steps()->mutable_max_step_duration()->set_seconds(1200);
  spec.mutable_steps()->set_on_inconclusive(v1::INCONCLUSIVE_ACTION_ADVANCE);
  v1::AnalysisPolicy* policy = spec.mutable_policy();
  policy->mutable_initial_delay()->set_seconds(120);
  policy->set_no_data_limit(2);
  policy->set_on_no_data(v1::FAILURE_ACTION_PAUSE);
  policy->set_query_error_limit(9);
  policy->set_on_query_errors(v1::FAILURE_ACTION_PAUSE);
  policy->set_dry_run(true);
  spec.set_on_failure(v1::FAILURE_ACTION_PAUSE);
  spec.set_promotion(v1::PROMOTION_STRATEGY_KEEP_WEIGHTS);
  spec.mutable_progress_deadline()->set_seconds(3600);
  ASSERT_TRUE(ValidateRolloutSpec(spec, {}).ok()) << ValidateRolloutSpec(spec, {});

  const RolloutPlan plan = MakeRolloutPlan(spec);
  EXPECT_EQ(plan.tick_interval, absl::Seconds(15));
  EXPECT_EQ(plan.on_inconclusive, v1::INCONCLUSIVE_ACTION_ADVANCE);
  EXPECT_EQ(plan.initial_delay, absl::Minutes(2));
  EXPECT_EQ(plan.no_data_limit, 2);
  EXPECT_EQ(plan.on_no_data, v1::FAILURE_ACTION_PAUSE);
  EXPECT_EQ(plan.query_error_limit, 9);
  EXPECT_EQ(plan.on_query_errors, v1::FAILURE_ACTION_PAUSE);
  EXPECT_EQ(plan.on_failure, v1::FAILURE_ACTION_PAUSE);
  EXPECT_TRUE(plan.dry_run);
  EXPECT_EQ(plan.promotion, v1::PROMOTION_STRATEGY_KEEP_WEIGHTS);
  EXPECT_EQ(plan.progress_deadline, absl::Hours(1));
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].max_duration, absl::Minutes(20));  // the step plan's default
  EXPECT_TRUE(plan.steps[0].require_within_tolerance);
  EXPECT_EQ(plan.steps[1].min_duration, absl::Seconds(30));
  EXPECT_EQ(plan.steps[1].max_duration, absl::Seconds(45));
  EXPECT_EQ(plan.steps[1].required_approvals, 2);
  EXPECT_TRUE(plan.steps[1].forbid_self_approval);
}

}  // namespace
}  // namespace kanarya::spec
