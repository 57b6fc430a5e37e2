#include "daemon/testing/canary_traffic.h"

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kanarya::testing {

v1::RolloutSpec TestRolloutSpec() {
  v1::RolloutSpec spec;
  v1::RolloutTarget& target = *spec.mutable_target();
  target.set_namespace_("shop");
  target.set_virtual_service("reviews");
  target.set_route("primary");
  target.mutable_stable()->set_host("reviews");
  target.mutable_stable()->set_subset("stable");
  target.mutable_canary()->set_subset("canary");
  target.set_destination_rule("reviews");
  spec.set_revision("v2");
  spec.mutable_scopes()->mutable_baseline()->set_workload("reviews-v1");
  spec.mutable_scopes()->mutable_baseline()->set_version("v1");
  spec.mutable_scopes()->mutable_canary()->set_workload("reviews-v2");
  spec.mutable_scopes()->mutable_canary()->set_version("v2");
  v1::StepPlan& steps = *spec.mutable_steps();
  for (const int weight : {10, 50}) steps.add_steps()->set_weight(weight);
  steps.mutable_min_step_duration()->set_seconds(60);
  steps.mutable_max_step_duration()->set_seconds(600);
  steps.mutable_tick_interval()->set_seconds(10);
  v1::MetricSpec& errors = *spec.mutable_analysis()->add_metrics();
  errors.set_name("errors");
  errors.set_kind(v1::METRIC_KIND_COUNT);
  errors.set_direction(v1::DIRECTION_INCREASE);
  errors.set_tolerance(0.5);
  errors.set_critical(true);
  errors.mutable_source()->set_provider("prometheus");
  errors.mutable_source()->set_events_query("errors{version=\"{{version}}\"}");
  errors.mutable_source()->set_total_query("requests{version=\"{{version}}\"}");
  return spec;
}

void WithLatencyGuardrail(v1::RolloutSpec& spec, int failure_limit) {
  v1::MetricSpec& latency = *spec.mutable_analysis()->add_metrics();
  latency.set_name("latency");
  latency.set_kind(v1::METRIC_KIND_CONTINUOUS);
  latency.set_direction(v1::DIRECTION_INCREASE);
  latency.set_tolerance(10);
  latency.set_absolute_tolerance(10);
  latency.mutable_source()->set_provider("prometheus");
  latency.mutable_source()->set_value_query("latency{version=\"{{version}}\"}");
  latency.mutable_guardrail()->set_max(0.5);
  latency.mutable_guardrail()->set_failure_limit(failure_limit);
}

Responder MakeResponder(const CanaryTraffic& traffic) {
  return [traffic](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
    const absl::Time at = query.end;
    if (absl::Status s = traffic.outage(at); !s.ok()) return s;
    const bool canary = absl::StrContains(query.expression, "version=\"v2\"");
    if (canary && traffic.canary_no_data(at)) return VectorResult({}, at);
    if (absl::StartsWith(query.expression, "latency")) {
      return VectorResult({canary ? traffic.canary_latency : 0.1}, at);
    }
    // One generator per (tick, side): the events and total queries agree.
    std::seed_seq seed{static_cast<int64_t>(absl::ToUnixSeconds(at)), int64_t{canary}};
    std::mt19937_64 random(seed);
    const double mean = canary ? traffic.canary_requests(at) : traffic.baseline_requests(at);
    const int64_t total = mean > 0 ? std::poisson_distribution<int64_t>(mean)(random) : 0;
    const int64_t events = std::binomial_distribution<int64_t>(
        total, canary ? traffic.canary_error_rate : traffic.baseline_error_rate)(random);
    const bool wants_events = absl::StartsWith(query.expression, "errors");
    return VectorResult({static_cast<double>(wants_events ? events : total)}, at);
  };
}

}  // namespace kanarya::testing
