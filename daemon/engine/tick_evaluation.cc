#include "daemon/engine/tick_evaluation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/engine/proto_time.h"
#include "daemon/spec/guardrail.h"

namespace kanarya::engine {
namespace {

bool HasGuardrail(const v1::MetricSpec& metric) {
  return metric.has_guardrail() && (metric.guardrail().has_min() || metric.guardrail().has_max());
}

}  // namespace

TickEvaluation EvaluateTick(const spec::RolloutPlan& plan, absl::Time tick_end, int canary_weight,
                            std::span<const spec::MetricTickResult> results,
                            std::span<const v1::MetricPolicyState> previous) {
  TickEvaluation e;
  *e.tick.mutable_time() = ToProto(tick_end);
  e.tick.set_canary_weight(canary_weight);
  std::vector<std::string> no_data, errors;
  const auto give_up = [&e](v1::FailureAction action, std::string reason) {
    if (!e.failure) {
      e.failure = action;
      e.failure_reason = std::move(reason);
    }
  };
  for (int i = 0; i < plan.analysis.metrics_size(); ++i) {
    const v1::MetricSpec& metric = plan.analysis.metrics(i);
    v1::MetricPolicyState state =
        i < static_cast<int>(previous.size()) ? previous[i] : v1::MetricPolicyState{};
    const spec::MetricTickResult* result =
        i < static_cast<int>(results.size()) ? &results[i] : nullptr;
    if (result != nullptr && !result->error.ok()) {
      state.set_error_ticks(state.error_ticks() + 1);
      errors.push_back(absl::StrCat(metric.name(), " (", result->error.message(), ")"));
      if (state.error_ticks() > plan.query_error_limit) {
        give_up(plan.on_query_errors,
                absl::StrCat("query errors: ", metric.name(), " failed ", state.error_ticks(),
                             " ticks in a row (limit ", plan.query_error_limit,
                             "): ", result->error.message()));
      }
    } else if (result == nullptr || !result->observation) {
      state.set_error_ticks(0);
      state.set_no_data_ticks(state.no_data_ticks() + 1);
      no_data.push_back(metric.name());
      if (state.no_data_ticks() > plan.no_data_limit) {
        give_up(plan.on_no_data,
                absl::StrCat("no data: ", metric.name(), " had none for ", state.no_data_ticks(),
                             " ticks in a row (limit ", plan.no_data_limit, ")"));
      }
    } else {
      state.set_error_ticks(0);
      state.set_no_data_ticks(0);
      (*e.tick.mutable_metrics())[metric.name()] = *result->observation;
    }
    if (result != nullptr && result->canary_value && HasGuardrail(metric) &&
        spec::BreaksGuardrail(metric.guardrail(), *result->canary_value, result->canary_requests)) {
      state.set_guardrail_breaches(state.guardrail_breaches() + 1);
      if (state.guardrail_breaches() > metric.guardrail().failure_limit()) {
        give_up(plan.on_failure,
                absl::StrCat("guardrail: ", metric.name(), " = ", *result->canary_value,
                             " out of bounds on ", state.guardrail_breaches(),
                             " ticks (failure limit ", metric.guardrail().failure_limit(), ")"));
      }
    }
    e.policies.push_back(std::move(state));
  }
  e.complete = no_data.empty() && errors.empty();
  if (!errors.empty()) {
    e.holding = absl::StrCat("holding: query errors on ", absl::StrJoin(errors, ", "));
  }
  if (!no_data.empty()) {
    absl::StrAppend(&e.holding, e.holding.empty() ? "holding: " : "; ", "no data for ",
                    absl::StrJoin(no_data, ", "));
  }
  return e;
}

}  // namespace kanarya::engine
