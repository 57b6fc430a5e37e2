// Where the Kubernetes API is and how to authenticate to it: in-cluster
// (KUBERNETES_SERVICE_HOST/PORT and the service account's files) or from a
// kubeconfig file (current context, or a named one). Pure apart from reading
// the files and environment it is given.
#ifndef KANARYA_DAEMON_KUBE_KUBE_CONFIG_H_
#define KANARYA_DAEMON_KUBE_KUBE_CONFIG_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/http/http_client.h"

namespace kanarya::kube {

struct KubeConfig {
  std::string server;  // https://host:port, IPv6 hosts bracketed
  std::string namespace_name;
  // TLS and credentials: a bearer token file (re-read when it rotates) or a
  // static token, a CA, client certificate and key.
  http::EndpointConfig endpoint;
  // Each request, retries of transient failures included, ends by then.
  absl::Duration request_timeout = absl::Seconds(10);
};

inline constexpr char kServiceAccountDirectory[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// FailedPrecondition when not running in a cluster (no KUBERNETES_SERVICE_HOST)
// or the service account files are missing. `getenv` is injectable for tests.
absl::StatusOr<KubeConfig> InClusterConfig(
    const std::function<const char*(const char*)>& getenv,
    const std::string& service_account_directory = kServiceAccountDirectory);

// InvalidArgument naming the kubeconfig field that is missing or wrong, or
// what is wrong with the YAML; never throws. `context` empty means
// current-context.
absl::StatusOr<KubeConfig> KubeconfigFile(const std::string& path, const std::string& context = "");
// The same from the file's text; `origin` names it in errors.
absl::StatusOr<KubeConfig> KubeconfigText(const std::string& text, const std::string& origin,
                                          const std::string& context = "");

}  // namespace kanarya::kube

#endif  // KANARYA_DAEMON_KUBE_KUBE_CONFIG_H_
