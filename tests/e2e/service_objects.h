// Test equipment: the Kubernetes side of one service as the end-to-end tests
// and benchmarks set it up in the API emulator — a VirtualService whose route
// "primary" sends 100/0 to the subsets "stable"/"canary" of NAME.NS.svc, the
// DestinationRule defining them by the pods' `version` label — a rollout spec
// for it, and a kubeconfig that reaches the emulator with a bearer token.
// Never product code.
#ifndef KANARYA_TESTS_E2E_SERVICE_OBJECTS_H_
#define KANARYA_TESTS_E2E_SERVICE_OBJECTS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kanarya/v1/rollout.pb.h"
#include "tests/lab/kube_api_emulator.h"

namespace kanarya::e2e {

std::string ServiceHost(const std::string& namespace_name, const std::string& name);
nlohmann::json ServiceVirtualService(const std::string& namespace_name, const std::string& name);
nlohmann::json ServiceDestinationRule(const std::string& namespace_name, const std::string& name);
// A rollout of the service `name` in namespace "shop" to `revision`, judged
// on the traffic exporter's 5xx ratio over the last 10 s: 1 s ticks, a step
// per weight of at least `min_step` (at most 60 s, then advanced).
v1::RolloutSpec ServiceRolloutSpec(const std::string& name, const std::string& revision,
                                   const std::vector<int>& weights, absl::Duration min_step);
// A kubeconfig (YAML) whose current context reaches `server_url` with `token`.
std::string TokenKubeconfig(const std::string& server_url, const std::string& token);
// The canary subset's weight in the emulator's VirtualService; -1 when unreadable.
int LiveCanaryWeight(lab::KubeApiEmulator& api, const std::string& namespace_name,
                     const std::string& name);

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_SERVICE_OBJECTS_H_
