#include "daemon/testing/canary_traffic.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kanarya::testing {
namespace {

// The value of the query's version="…" label ("" without one).
std::string VersionOf(absl::string_view expression) {
  constexpr absl::string_view kLabel = "version=\"";
  const size_t at = expression.find(kLabel);
  if (at == absl::string_view::npos) return "";
  const size_t begin = at + kLabel.size();
  return std::string(expression.substr(begin, expression.find('"', begin) - begin));
}

}  // namespace

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

namespace {

// The instant query's answer at `at`.
metrics::QueryResult InstantAnswer(const CanaryTraffic& traffic, const std::string& expression,
                                   absl::Time at) {
  const std::string version = VersionOf(expression);
  const bool canary = version != "v1";
  if (canary && traffic.canary_no_data(at)) return VectorResult({}, at);
  // One generator per (tick, side): the events and total queries agree.
  const auto other = traffic.other_canary_error_rates.find(version);
  const bool other_version = canary && other != traffic.other_canary_error_rates.end();
  std::vector<int64_t> seeds = {absl::ToUnixSeconds(at), int64_t{canary}};
  if (other_version) seeds.push_back(1);  // its own data; v2's stays as it always was
  std::seed_seq seed(seeds.begin(), seeds.end());
  std::mt19937_64 random(seed);
  if (absl::StartsWith(expression, "latency")) {
    const double mean = canary ? traffic.canary_latency : 0.1;
    const double noise = traffic.latency_sd > 0
                             ? std::normal_distribution<double>(0, traffic.latency_sd)(random)
                             : 0;
    return VectorResult({mean + noise}, at);
  }
  const double mean = canary ? traffic.canary_requests(at) : traffic.baseline_requests(at);
  const int64_t total = mean > 0 ? std::poisson_distribution<int64_t>(mean)(random) : 0;
  const double error_rate = other_version ? other->second
                            : canary      ? traffic.canary_error_rate
                                          : traffic.baseline_error_rate;
  const int64_t events = std::binomial_distribution<int64_t>(total, error_rate)(random);
  const bool wants_events = absl::StartsWith(expression, "errors");
  return VectorResult({static_cast<double>(wants_events ? events : total)}, at);
}

}  // namespace

Responder MakeResponder(const CanaryTraffic& traffic) {
  return [traffic](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
    // An outage fails what is asked while it lasts, whatever time it asks about.
    if (absl::Status s = traffic.outage(query.end); !s.ok()) return s;
    if (query.start >= query.end) return InstantAnswer(traffic, query.expression, query.end);
    metrics::QueryResult range{.type = metrics::ResultType::kMatrix};
    for (absl::Time at = query.start; at <= query.end; at += query.step) {
      metrics::QueryResult instant = InstantAnswer(traffic, query.expression, at);
      for (size_t i = 0; i < instant.series.size(); ++i) {
        if (range.series.size() <= i) range.series.push_back({instant.series[i].labels, {}});
        for (const metrics::Sample& sample : instant.series[i].samples) {
          range.series[i].samples.push_back(sample);
        }
      }
    }
    return range;
  };
}

}  // namespace kanarya::testing
