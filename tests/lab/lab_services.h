// Test equipment: the services the lab's mesh serves (kanarya-lab
// --services=FILE, YAML), and the Istio objects that route them: one
// VirtualService and one DestinationRule per service, with a `stable` and a
// `canary` subset selecting pods by their `version` label. Parsing names every
// bad field by its path ("services[1].versions[0].error_rate: ..."), never
// throws, and is thread-safe. Never product code.
//
//   services:
//     - name: api-gateway
//       namespace: api-gateway         # default: the name
//       requests_per_second: 400
//       source: {workload: istio-ingressgateway, namespace: istio-system}  # the caller
//       subsets: {stable: v1, canary: v2}   # the versions each subset selects at start
//       versions:
//         - {version: v1, error_rate: 0.02, latency_median_ms: 30, latency_sigma: 0.35}
//         - {version: v2, error_rate: 0.02, latency_median_ms: 30, latency_sigma: 0.35}
#ifndef KANARYA_TESTS_LAB_LAB_SERVICES_H_
#define KANARYA_TESTS_LAB_LAB_SERVICES_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kanarya::lab {

// One version of a service: its pods carry the labels {app: SERVICE,
// version: VERSION} and its Deployment (the Istio workload) is named
// SERVICE-VERSION.
struct WorkloadVersion {
  std::string version;
  double error_rate = 0;  // the share of requests answered 500
  // Latency is log-normal: median × exp(sigma × N(0, 1)).
  double latency_median_ms = 0;
  double latency_sigma = 0;
};

struct LabService {
  std::string name;
  std::string namespace_name;
  double requests_per_second = 0;
  std::string source_workload = "istio-ingressgateway";
  std::string source_namespace = "istio-system";
  std::string stable_version;
  std::string canary_version;
  std::vector<WorkloadVersion> versions;

  std::string host() const;                                // NAME.NAMESPACE.svc.cluster.local
  std::string workload(const std::string& version) const;  // NAME-VERSION
  const WorkloadVersion* Find(const std::string& version) const;  // null when unknown
};

// InvalidArgument naming every bad field; at least one service is needed.
absl::StatusOr<std::vector<LabService>> ParseLabServices(const std::string& yaml);
// Reads and parses a file; NotFound naming it when it cannot be read.
absl::StatusOr<std::vector<LabService>> LoadLabServices(const std::string& path);

// The service's objects as the lab creates them (networking.istio.io/v1): a
// VirtualService whose route `primary` sends 100 % to the stable subset and
// 0 % to the canary, and a DestinationRule whose subsets select the
// configured stable and canary versions.
nlohmann::json VirtualServiceObject(const LabService& service);
nlohmann::json DestinationRuleObject(const LabService& service);

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_LAB_SERVICES_H_
