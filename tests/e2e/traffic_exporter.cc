#include "tests/e2e/traffic_exporter.h"

#include <httplib.h>

#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kanarya::e2e {
namespace {

// The wobble's period and depth: a few percent over about a minute, never
// enough to make a counter go down (its rate stays above 1 - kDepth * 2π *
// 60 / kPeriod of the mean).
constexpr double kPeriodSeconds = 67;
constexpr double kDepth = 0.03;

// A counter whose rate is rate * (1 + kDepth * cos(ωt + phase)).
double Wobbling(double rate, double seconds, double phase) {
  const double omega = 2 * M_PI / kPeriodSeconds;
  return rate * (seconds + kDepth / omega * (std::sin(omega * seconds + phase) - std::sin(phase)));
}

}  // namespace

TrafficExporter::TrafficExporter(std::map<std::string, Workload> workloads)
    : workloads_(std::move(workloads)) {
  server_.http().Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(Render(), "text/plain; version=0.0.4");
  });
  server_.Start();
}

std::string TrafficExporter::target() const {
  const std::string url = server_.url();
  return url.substr(url.find("127.0.0.1"));
}

int TrafficExporter::series_count() const {
  int count = 0;
  for (const auto& [key, w] : workloads_) count += w.latency_ms > 0 ? 8 : 2;
  return count;
}

std::string TrafficExporter::Render() const {
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  std::string text = "# TYPE istio_requests_total counter\n";
  for (const auto& [key, w] : workloads_) {
    const double requests = w.requests_per_second * seconds;
    const double errors = requests * w.error_ratio;
    for (const auto& [code, count] : {std::pair{"200", requests - errors}, {"500", errors}}) {
      absl::StrAppendFormat(&text,
                            "istio_requests_total{destination_workload_namespace=\"%s\","
                            "destination_workload=\"%s\",response_code=\"%s\"} %.3f\n",
                            w.namespace_name, w.name, code, count);
    }
  }
  for (const auto& [key, w] : workloads_) {
    if (w.latency_ms <= 0) continue;
    // Each workload wobbles in its own phase.
    const double phase =
        static_cast<double>(std::hash<std::string>()(w.name) % 1000) / 1000 * 2 * M_PI;
    const double requests = w.requests_per_second * seconds;
    const std::string labels =
        absl::StrFormat("destination_workload_namespace=\"%s\",destination_workload=\"%s\"",
                        w.namespace_name, w.name);
    absl::StrAppendFormat(
        &text,
        "istio_request_duration_milliseconds_sum{%s} %.3f\n"
        "istio_request_duration_milliseconds_count{%s} %.3f\n"
        "container_cpu_usage_seconds_total{%s} %.4f\n"
        "container_memory_working_set_bytes{%s} %.0f\n"
        "app_log_lines_total{%s,level=\"error\"} %.3f\n"
        "app_log_lines_total{%s,level=\"info\"} %.3f\n",
        labels, Wobbling(w.requests_per_second * w.latency_ms, seconds, phase), labels, requests,
        labels, Wobbling(0.25, seconds, phase + 1), labels,
        256e6 * (1 + kDepth * std::sin(2 * M_PI * seconds / kPeriodSeconds + phase)), labels,
        requests * w.error_ratio, labels, requests * (1 - w.error_ratio));
  }
  return text;
}

}  // namespace kanarya::e2e
