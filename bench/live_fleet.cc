#include "bench/live_fleet.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/e2e/service_objects.h"

namespace kanarya::bench {
namespace {

// Every series of one side: {{namespace}} and {{workload}} are the scope's.
constexpr char kSelector[] =
    R"(destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}")";

std::string WithSelector(const std::string& query) {
  return absl::StrReplaceAll(query, {{"SELECTOR", kSelector}});
}

void AddMetric(v1::RolloutSpec& spec, const std::string& name, v1::MetricKind kind,
               double tolerance, bool critical) {
  v1::MetricSpec& metric = *spec.mutable_analysis()->add_metrics();
  metric.set_name(name);
  metric.set_kind(kind);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.set_tolerance(tolerance);
  metric.set_critical(critical);
  metric.mutable_source()->set_provider("prometheus");
}

v1::MetricSource& Source(v1::RolloutSpec& spec) {
  return *spec.mutable_analysis()->mutable_metrics()->rbegin()->mutable_source();
}

}  // namespace

std::string FleetNamespace(int i) { return absl::StrCat("team-", i % 50); }
std::string FleetService(int i) { return absl::StrCat("svc-", i); }

v1::RolloutSpec FleetSpec(int i) {
  const std::string ns = FleetNamespace(i);
  const std::string service = FleetService(i);
  v1::RolloutSpec spec;
  v1::RolloutTarget& target = *spec.mutable_target();
  target.set_namespace_(ns);
  target.set_virtual_service(service);
  target.set_route("primary");
  target.set_destination_rule(service);
  target.mutable_stable()->set_host(e2e::ServiceHost(ns, service));
  target.mutable_stable()->set_subset("stable");
  target.mutable_canary()->set_host(e2e::ServiceHost(ns, service));
  target.mutable_canary()->set_subset("canary");
  spec.set_revision("v2");
  spec.mutable_scopes()->mutable_baseline()->set_workload(service + "-stable");
  spec.mutable_scopes()->mutable_baseline()->set_version("stable");
  spec.mutable_scopes()->mutable_canary()->set_workload(service + "-canary");
  spec.mutable_scopes()->mutable_canary()->set_version("canary");
  v1::StepPlan& steps = *spec.mutable_steps();
  steps.set_step_weight(5);
  steps.set_max_weight(95);
  steps.mutable_min_step_duration()->set_seconds(120);
  steps.mutable_max_step_duration()->set_seconds(1800);
  steps.mutable_tick_interval()->set_seconds(absl::ToInt64Seconds(kFleetTick));

  AddMetric(spec, "errors", v1::METRIC_KIND_COUNT, 0.5, true);
  Source(spec).set_events_query(WithSelector(
      R"(sum(increase(istio_requests_total{SELECTOR,response_code=~"5.."}[{{window}}])))"));
  Source(spec).set_total_query(
      WithSelector(R"(sum(increase(istio_requests_total{SELECTOR}[{{window}}])))"));
  AddMetric(spec, "latency", v1::METRIC_KIND_CONTINUOUS, 0.1, false);
  Source(spec).set_value_query(WithSelector(
      R"(sum(rate(istio_request_duration_milliseconds_sum{SELECTOR}[{{window}}])) / sum(rate(istio_request_duration_milliseconds_count{SELECTOR}[{{window}}])))"));
  AddMetric(spec, "cpu", v1::METRIC_KIND_CONTINUOUS, 0.2, false);
  Source(spec).set_value_query(
      WithSelector(R"(sum(rate(container_cpu_usage_seconds_total{SELECTOR}[{{window}}])))"));
  AddMetric(spec, "memory", v1::METRIC_KIND_CONTINUOUS, 0.2, false);
  Source(spec).set_value_query(
      WithSelector(R"(sum(container_memory_working_set_bytes{SELECTOR}))"));
  AddMetric(spec, "log_errors", v1::METRIC_KIND_COUNT, 0.5, false);
  Source(spec).set_events_query(
      WithSelector(R"(sum(increase(app_log_lines_total{SELECTOR,level="error"}[{{window}}])))"));
  Source(spec).set_total_query(
      WithSelector(R"(sum(increase(app_log_lines_total{SELECTOR}[{{window}}])))"));
  return spec;
}

std::map<std::string, e2e::Workload> FleetWorkloads(int rollouts) {
  std::map<std::string, e2e::Workload> workloads;
  for (int i = 0; i < rollouts; ++i) {
    for (const char* side : {"-stable", "-canary"}) {
      const std::string name = FleetService(i) + side;
      workloads[name] = {.namespace_name = FleetNamespace(i),
                         .name = name,
                         .requests_per_second = 100,
                         .error_ratio = 0.005,
                         .latency_ms = 50};
    }
  }
  return workloads;
}

}  // namespace kanarya::bench
