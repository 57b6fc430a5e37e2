// Test equipment: a /metrics endpoint on 127.0.0.1 that a real Prometheus
// scrapes, showing Istio request counters for workloads whose traffic grows
// with the wall clock at a fixed rate and error ratio, so any window of any
// tick has data. Thread-safe; never product code.
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
};

class TrafficExporter {
 public:
  // Serves the workloads' counters from now on.
  explicit TrafficExporter(std::map<std::string, Workload> workloads);
  std::string target() const;  // 127.0.0.1:PORT, as a scrape config names it

 private:
  std::string Render() const;

  const std::map<std::string, Workload> workloads_;
  const absl::Time start_ = absl::Now();
  lab::LoopbackServer server_;
};

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_TRAFFIC_EXPORTER_H_
