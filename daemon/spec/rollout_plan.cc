#include "daemon/spec/rollout_plan.h"

#include <algorithm>

#include "daemon/spec/durations.h"

namespace kanarya::spec {
namespace {

absl::Duration DurationOr(bool has, const google::protobuf::Duration& value,
                          absl::Duration fallback) {
  return has && IsValidDuration(value) ? FromProto(value) : fallback;
}

template <typename Enum>
Enum OrDefault(Enum value, Enum unspecified, Enum fallback) {
  return value == unspecified ? fallback : value;
}

v1::FailureAction FailureOrRollback(v1::FailureAction action) {
  return OrDefault(action, v1::FAILURE_ACTION_UNSPECIFIED, v1::FAILURE_ACTION_ROLLBACK);
}

}  // namespace

std::vector<int> ExpandStepWeights(int step_weight, int max_weight) {
  std::vector<int> weights;
  if (step_weight <= 0) return weights;
  for (int weight = step_weight; weight < max_weight; weight += step_weight) {
    weights.push_back(weight);
  }
  weights.push_back(max_weight);
  return weights;
}

absl::Duration EffectiveMinDuration(const v1::StepPlan& plan, const v1::Step* step) {
  const absl::Duration fallback =
      DurationOr(plan.has_min_step_duration(), plan.min_step_duration(), kDefaultMinStepDuration);
  if (step == nullptr) return fallback;
  return DurationOr(step->has_min_duration(), step->min_duration(), fallback);
}

absl::Duration EffectiveMaxDuration(const v1::StepPlan& plan, const v1::Step* step) {
  const absl::Duration fallback =
      DurationOr(plan.has_max_step_duration(), plan.max_step_duration(), kDefaultMaxStepDuration);
  if (step == nullptr) return fallback;
  return DurationOr(step->has_max_duration(), step->max_duration(), fallback);
}

RolloutPlan MakeRolloutPlan(const v1::RolloutSpec& valid_spec) {
  const v1::StepPlan& steps = valid_spec.steps();
  const v1::AnalysisPolicy& policy = valid_spec.policy();
  RolloutPlan plan;
  if (steps.steps().empty()) {
    for (const int weight : ExpandStepWeights(steps.step_weight(), steps.max_weight())) {
      plan.steps.push_back({.weight = weight,
                            .min_duration = EffectiveMinDuration(steps, nullptr),
                            .max_duration = EffectiveMaxDuration(steps, nullptr),
                            .require_within_tolerance = false,
                            .required_approvals = 0,
                            .forbid_self_approval = false});
    }
  } else {
    for (const v1::Step& step : steps.steps()) {
      const v1::Gate& gate = step.gate();
      plan.steps.push_back(
          {.weight = step.weight(),
           .min_duration = EffectiveMinDuration(steps, &step),
           .max_duration = EffectiveMaxDuration(steps, &step),
           .require_within_tolerance = step.require_within_tolerance(),
           .required_approvals = gate.manual_approval()
                                     ? std::max(1, static_cast<int>(gate.required_approvals()))
                                     : 0,
           .forbid_self_approval = gate.manual_approval() && gate.forbid_self_approval()});
    }
  }
  if (!plan.steps.empty()) plan.steps.back().require_within_tolerance = true;

  plan.tick_interval =
      DurationOr(steps.has_tick_interval(), steps.tick_interval(), kDefaultTickInterval);
  plan.on_inconclusive = OrDefault(steps.on_inconclusive(), v1::INCONCLUSIVE_ACTION_UNSPECIFIED,
                                   v1::INCONCLUSIVE_ACTION_PAUSE);
  plan.initial_delay =
      DurationOr(policy.has_initial_delay(), policy.initial_delay(), absl::ZeroDuration());
  plan.no_data_limit = policy.no_data_limit() > 0 ? policy.no_data_limit() : kDefaultNoDataLimit;
  plan.on_no_data = FailureOrRollback(policy.on_no_data());
  plan.query_error_limit =
      policy.query_error_limit() > 0 ? policy.query_error_limit() : kDefaultQueryErrorLimit;
  plan.on_query_errors = FailureOrRollback(policy.on_query_errors());
  plan.on_failure = FailureOrRollback(valid_spec.on_failure());
  plan.dry_run = policy.dry_run();
  plan.promotion = OrDefault(valid_spec.promotion(), v1::PROMOTION_STRATEGY_UNSPECIFIED,
                             v1::PROMOTION_STRATEGY_SWAP_SUBSETS);
  const absl::Duration deadline = DurationOr(valid_spec.has_progress_deadline(),
                                             valid_spec.progress_deadline(), absl::ZeroDuration());
  plan.progress_deadline = deadline > absl::ZeroDuration() ? deadline : absl::InfiniteDuration();
  plan.analysis = valid_spec.analysis();
  return plan;
}

}  // namespace kanarya::spec
