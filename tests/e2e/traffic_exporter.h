// Test equipment: a /metrics endpoint on 127.0.0.1 that a real Prometheus
// scrapes, showing Istio request counters for workloads whose traffic grows
// with the wall clock at a fixed rate and error ratio, so any window of any
// tick has data; optionally also the telemetry a fuller rollout spec reads
// (request durations, container CPU and memory, log lines by level), each
// with a slow deterministic wobble so that no two workloads' series are
// equal. Thread-safe; never product code.
#ifndef KANARYA_TESTS_E2E_TRAFFIC_EXPORTER_H_
#define KANARYA_TESTS_E2E_TRAFFIC_EXPORTER_H_

#include <map>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/lab/loopback_server.h"

namespace kanarya::e2e {

struct Workload {
  std::string namespace_name;
  std::string name;
  double requests_per_second = 0;
  double error_ratio = 0;  // the share of requests answered 500
  // Above 0: also istio_request_duration_milliseconds_sum/_count with this
  // mean, container_cpu_usage_seconds_total, container_memory_working_set_bytes
  // and app_log_lines_total{level="error"|"info"} (one line per request, the
  // error ratio's share at level error).
  double latency_ms = 0;
};

class TrafficExporter {
 public:
  // Serves the workloads' counters from now on.
  explicit TrafficExporter(std::map<std::string, Workload> workloads);
  std::string target() const;  // 127.0.0.1:PORT, as a scrape config names it
  // The series /metrics shows.
  int series_count() const;

 private:
  std::string Render() const;

  const std::map<std::string, Workload> workloads_;
  const absl::Time start_ = absl::Now();
  lab::LoopbackServer server_;
};

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_TRAFFIC_EXPORTER_H_
