// kanaryad's configuration file (--config, YAML): the metric providers by
// name, where the Kubernetes API is, and defaults. Parsing names every bad
// field by its path ("providers.prom.url: ...", all problems "; "-separated,
// unknown keys included) and never throws. Pure apart from reading the files
// it is given; thread-compatible.
//
//   providers:
//     prometheus:                 # the name metrics' source.provider uses
//       type: prometheus          # or loki
//       url: http://prometheus.monitoring:9090
//       tenant: team-a            # loki: X-Scope-OrgID
//       auth: {bearer_token_file: FILE, basic_auth_user: U, basic_auth_password_file: FILE}
//       tls: {ca_file: FILE, client_certificate_file: FILE, client_key_file: FILE}
//       headers: {X-Team: a}
//   kubernetes:                   # absent: no cluster; rollouts fail preflight
//     in_cluster: true            # or: kubeconfig: FILE, context: NAME
//     request_timeout: 10s
//   defaults:
//     istio_api_version: v1       # empty: the newest the cluster serves
//   auth:                         # roles beyond the token file's kanarya: groups
//     bindings:
//       - {principal: alice, role: approver, namespaces: [shop]}
//       - {group: sre, role: operator}   # no namespaces: every namespace
//   notifications:                # webhooks told of rollouts' transitions
//     queue_capacity: 1024        # deliveries waiting; beyond it they are dropped
//     hook_secret_file: FILE      # signs calls to the rollouts' own webhooks
//     allowed_hook_hosts: [gates.internal, "*.example.com"]   # absent: any host
//     receivers:
//       - name: sre-slack
//         url_file: FILE          # or url: https://... (a Slack URL is a credential)
//         format: slack           # generic (default), slack or teams
//         secret_file: FILE       # HMAC-SHA256 key; absent: unsigned
//         events: [rolled_back, failed]   # absent: every type
//         timeout: 5s             # per attempt
//         max_attempts: 5
//         max_delivery_time: 2m   # no attempt starts later than this after the first
#ifndef KANARYA_DAEMON_CONFIG_DAEMON_CONFIG_H_
#define KANARYA_DAEMON_CONFIG_DAEMON_CONFIG_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/api/auth/role_bindings.h"
#include "daemon/kube/kube_config.h"
#include "daemon/metrics/metric_provider.h"
#include "daemon/metrics/metric_provider_factory.h"
#include "daemon/notify/notifier.h"

namespace kanarya::config {

struct KubernetesSettings {
  bool in_cluster = false;
  std::string kubeconfig;  // used when not in_cluster
  std::string context;     // empty: the kubeconfig's current context
  absl::Duration request_timeout = absl::Seconds(10);
};

struct Defaults {
  std::string istio_api_version;  // empty: discovered per cluster
};

struct AuthSettings {
  std::vector<auth::RoleBinding> bindings;
};

struct NotificationSettings {
  std::vector<notify::Receiver> receivers;  // secrets and URL files read
  size_t queue_capacity = 1024;
  std::string hook_secret;  // HMAC key of calls to RolloutSpec.webhooks (empty: unsigned)
  // The hosts RolloutSpec.webhooks may call (spec/webhook_hosts.h); empty: any.
  std::set<std::string> allowed_hook_hosts;
};

struct DaemonConfig {
  std::map<std::string, metrics::ProviderConfig> providers;
  std::optional<KubernetesSettings> kubernetes;
  Defaults defaults;
  AuthSettings auth;
  NotificationSettings notifications;
};

// InvalidArgument naming every bad field. An empty document is the empty
// configuration (no providers, no cluster).
absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& yaml);

// Reads and parses a file; InvalidArgument "config: PATH cannot be read" when
// it cannot be read.
absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& path);

// Every configured provider, built; InvalidArgument naming
// "providers.NAME.field" for a provider that cannot be built.
absl::StatusOr<std::map<std::string, metrics::MetricProviderPtr>> MakeProviders(
    const DaemonConfig& config);

// Where the cluster is, per the settings: in-cluster from the environment, or
// the kubeconfig file; errors prefixed with "kubernetes".
absl::StatusOr<kube::KubeConfig> ResolveKubeConfig(const KubernetesSettings& settings);

}  // namespace kanarya::config

#endif  // KANARYA_DAEMON_CONFIG_DAEMON_CONFIG_H_
