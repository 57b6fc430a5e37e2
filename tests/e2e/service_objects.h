// Test equipment: the Kubernetes side of one service as the end-to-end tests
// and benchmarks set it up in the API emulator — a VirtualService whose route
// "primary" sends 100/0 to the subsets "stable"/"canary" of NAME.NS.svc, the
// DestinationRule defining them by the pods' `version` label — and a
// kubeconfig that reaches the emulator with a bearer token. Never product code.
#ifndef KANARYA_TESTS_E2E_SERVICE_OBJECTS_H_
#define KANARYA_TESTS_E2E_SERVICE_OBJECTS_H_

#include <nlohmann/json.hpp>
#include <string>

#include "tests/lab/kube_api_emulator.h"

namespace kanarya::e2e {

std::string ServiceHost(const std::string& namespace_name, const std::string& name);
nlohmann::json ServiceVirtualService(const std::string& namespace_name, const std::string& name);
nlohmann::json ServiceDestinationRule(const std::string& namespace_name, const std::string& name);
// A kubeconfig (YAML) whose current context reaches `server_url` with `token`.
std::string TokenKubeconfig(const std::string& server_url, const std::string& token);
// The canary subset's weight in the emulator's VirtualService; -1 when unreadable.
int LiveCanaryWeight(lab::KubeApiEmulator& api, const std::string& namespace_name,
                     const std::string& name);

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_SERVICE_OBJECTS_H_
