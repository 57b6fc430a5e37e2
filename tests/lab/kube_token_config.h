// Test equipment: the client configuration that reaches the lab's Kubernetes
// API emulator (or any server) with a static bearer token.
#ifndef KANARYA_TESTS_LAB_KUBE_TOKEN_CONFIG_H_
#define KANARYA_TESTS_LAB_KUBE_TOKEN_CONFIG_H_

#include <string>

#include "daemon/kube/kube_config.h"

namespace kanarya::lab {

inline kube::KubeConfig KubeTokenConfig(const std::string& server, const std::string& token) {
  kube::KubeConfig config;
  config.server = server;
  config.endpoint.extra_headers = {{"Authorization", "Bearer " + token}};
  return config;
}

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_KUBE_TOKEN_CONFIG_H_
