#include "daemon/config/daemon_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/spec/webhook_hosts.h"

namespace kanarya::config {
namespace {

// Walks the document, collecting every problem with its field path.
class Reader {
 public:
  // The keys of `node` (a mapping, or absent) under `path`, each checked
  // against `known`. False when `node` is present but not a mapping.
  bool Mapping(const YAML::Node& node, const std::string& path,
               const std::set<std::string>& known) {
    if (!node.IsDefined() || node.IsNull()) return false;
    if (!node.IsMap()) {
      Problem(path, "must be a mapping");
      return false;
    }
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (!known.contains(key)) Problem(Join(path, key), "unknown field");
    }
    return true;
  }

  std::string String(const YAML::Node& map, const std::string& path, const std::string& key) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return "";
    if (!node.IsScalar()) {
      Problem(Join(path, key), "must be a string");
      return "";
    }
    return node.Scalar();
  }

  bool Bool(const YAML::Node& map, const std::string& path, const std::string& key) {
    const std::string text = String(map, path, key);
    if (text.empty() || text == "false") return false;
    if (text == "true") return true;
    Problem(Join(path, key), absl::StrCat("must be true or false, got \"", text, "\""));
    return false;
  }

  absl::Duration Duration(const YAML::Node& map, const std::string& path, const std::string& key,
                          absl::Duration fallback) {
    const std::string text = String(map, path, key);
    if (text.empty()) return fallback;
    absl::Duration duration;
    if (!absl::ParseDuration(text, &duration) || duration <= absl::ZeroDuration()) {
      Problem(Join(path, key),
              absl::StrCat("must be a positive duration such as \"10s\", got \"", text, "\""));
      return fallback;
    }
    return duration;
  }

  // The contents of the file named by map[key], for secrets kept out of the
  // configuration itself; trailing whitespace removed.
  std::string FileContents(const YAML::Node& map, const std::string& path, const std::string& key) {
    const std::string file = String(map, path, key);
    if (file.empty()) return "";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      Problem(Join(path, key), absl::StrCat("cannot read \"", file, "\""));
      return "";
    }
    std::ostringstream contents;
    contents << in.rdbuf();
    return std::string(absl::StripTrailingAsciiWhitespace(contents.str()));
  }

  void Problem(const std::string& path, const std::string& reason) {
    problems_.push_back(absl::StrCat(path, ": ", reason));
  }

  absl::Status Result() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : absl::StrCat(path, ".", key);
  }

 private:
  std::vector<std::string> problems_;
};

bool IsProviderName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

metrics::ProviderConfig ReadProvider(Reader& reader, const YAML::Node& node,
                                     const std::string& path) {
  metrics::ProviderConfig provider;
  if (!node.IsMap()) {
    reader.Problem(path, "must be a mapping with type and url");
    return provider;
  }
  reader.Mapping(node, path, {"type", "url", "tenant", "auth", "tls", "headers"});
  provider.type = reader.String(node, path, "type");
  if (provider.type != "prometheus" && provider.type != "loki") {
    reader.Problem(Reader::Join(path, "type"),
                   absl::StrCat("must be \"prometheus\" or \"loki\", got \"", provider.type, "\""));
  }
  provider.url = reader.String(node, path, "url");
  if (!absl::StartsWith(provider.url, "http://") && !absl::StartsWith(provider.url, "https://")) {
    reader.Problem(Reader::Join(path, "url"),
                   absl::StrCat("must start with http:// or https://, got \"", provider.url, "\""));
  }
  provider.tenant = reader.String(node, path, "tenant");

  const std::string auth_path = Reader::Join(path, "auth");
  if (const YAML::Node auth = node["auth"]; reader.Mapping(
          auth, auth_path, {"bearer_token_file", "basic_auth_user", "basic_auth_password_file"})) {
    provider.endpoint.bearer_token_file = reader.String(auth, auth_path, "bearer_token_file");
    provider.endpoint.basic_auth_user = reader.String(auth, auth_path, "basic_auth_user");
    provider.endpoint.basic_auth_password =
        reader.FileContents(auth, auth_path, "basic_auth_password_file");
  }
  const std::string tls_path = Reader::Join(path, "tls");
  if (const YAML::Node tls = node["tls"]; reader.Mapping(
          tls, tls_path,
          {"ca_file", "client_certificate_file", "client_key_file", "insecure_skip_tls_verify"})) {
    provider.endpoint.ca_file = reader.String(tls, tls_path, "ca_file");
    provider.endpoint.client_certificate_file =
        reader.String(tls, tls_path, "client_certificate_file");
    provider.endpoint.client_key_file = reader.String(tls, tls_path, "client_key_file");
    provider.endpoint.insecure_skip_tls_verify =
        reader.Bool(tls, tls_path, "insecure_skip_tls_verify");
  }
  const std::string headers_path = Reader::Join(path, "headers");
  if (const YAML::Node headers = node["headers"]; headers.IsDefined() && !headers.IsNull()) {
    if (!headers.IsMap()) {
      reader.Problem(headers_path, "must be a mapping of header names to values");
    } else {
      for (const auto& entry : headers) {
        const std::string name = entry.first.Scalar();
        provider.endpoint.extra_headers.emplace_back(name,
                                                     reader.String(headers, headers_path, name));
      }
    }
  }
  return provider;
}

void ReadKubernetes(Reader& reader, const YAML::Node& node, DaemonConfig& config) {
  if (!reader.Mapping(node, "kubernetes",
                      {"in_cluster", "kubeconfig", "context", "request_timeout"})) {
    return;
  }
  KubernetesSettings settings;
  settings.in_cluster = reader.Bool(node, "kubernetes", "in_cluster");
  settings.kubeconfig = reader.String(node, "kubernetes", "kubeconfig");
  settings.context = reader.String(node, "kubernetes", "context");
  settings.request_timeout =
      reader.Duration(node, "kubernetes", "request_timeout", settings.request_timeout);
  if (settings.in_cluster && !settings.kubeconfig.empty()) {
    reader.Problem("kubernetes.kubeconfig", "must be empty when in_cluster is true");
  } else if (!settings.in_cluster && settings.kubeconfig.empty()) {
    reader.Problem("kubernetes", "set in_cluster: true or a kubeconfig file");
  }
  if (settings.in_cluster && !settings.context.empty()) {
    reader.Problem("kubernetes.context", "only applies to a kubeconfig");
  }
  config.kubernetes = std::move(settings);
}

auth::RoleBinding ReadBinding(Reader& reader, const YAML::Node& node, const std::string& path) {
  auth::RoleBinding binding;
  if (!node.IsMap()) {
    reader.Problem(path, "must be a mapping with a principal or a group, and a role");
    return binding;
  }
  reader.Mapping(node, path, {"principal", "group", "role", "namespaces"});
  binding.principal = reader.String(node, path, "principal");
  binding.group = reader.String(node, path, "group");
  if (binding.principal.empty() == binding.group.empty()) {
    reader.Problem(path, "set exactly one of principal and group");
  }
  const std::string role = reader.String(node, path, "role");
  if (const std::optional<auth::Role> parsed = auth::ParseRole(role); parsed.has_value()) {
    binding.role = *parsed;
  } else {
    reader.Problem(Reader::Join(path, "role"),
                   absl::StrCat("must be viewer, operator or approver, got \"", role, "\""));
  }
  const std::string namespaces_path = Reader::Join(path, "namespaces");
  const YAML::Node namespaces = node["namespaces"];
  if (!namespaces.IsDefined() || namespaces.IsNull()) return binding;  // every namespace
  if (!namespaces.IsSequence() || namespaces.size() == 0) {
    reader.Problem(namespaces_path,
                   "must be a non-empty list of namespaces (leave it out for every namespace)");
    return binding;
  }
  for (size_t i = 0; i < namespaces.size(); ++i) {
    const std::string item_path = absl::StrCat(namespaces_path, "[", i, "]");
    if (!namespaces[i].IsScalar()) {
      reader.Problem(item_path, "must be a namespace name");
      continue;
    }
    const std::string name = namespaces[i].Scalar();
    if (absl::Status valid = auth::CheckNamespaceName(name); !valid.ok()) {
      reader.Problem(item_path, std::string(valid.message()));
      continue;
    }
    binding.namespaces.push_back(name);
  }
  return binding;
}

void ReadAuth(Reader& reader, const YAML::Node& node, DaemonConfig& config) {
  if (!reader.Mapping(node, "auth", {"bindings"})) return;
  const YAML::Node bindings = node["bindings"];
  if (!bindings.IsDefined() || bindings.IsNull()) return;
  if (!bindings.IsSequence()) {
    reader.Problem("auth.bindings", "must be a list of {principal|group, role, namespaces}");
    return;
  }
  for (size_t i = 0; i < bindings.size(); ++i) {
    config.auth.bindings.push_back(
        ReadBinding(reader, bindings[i], absl::StrCat("auth.bindings[", i, "]")));
  }
}

notify::Receiver ReadReceiver(Reader& reader, const YAML::Node& node, const std::string& path) {
  notify::Receiver receiver;
  if (!node.IsMap()) {
    reader.Problem(path, "must be a mapping with a name and a url");
    return receiver;
  }
  reader.Mapping(node, path,
                 {"name", "url", "url_file", "format", "secret_file", "events", "timeout",
                  "max_attempts", "max_delivery_time"});
  receiver.name = reader.String(node, path, "name");
  if (!IsProviderName(receiver.name)) {
    reader.Problem(Reader::Join(path, "name"), "must be letters, digits, '-' or '_'");
  }
  const std::string url = reader.String(node, path, "url");
  const std::string url_from_file = reader.FileContents(node, path, "url_file");
  if (url.empty() == reader.String(node, path, "url_file").empty()) {
    reader.Problem(path, "set exactly one of url and url_file");
  }
  receiver.url = url.empty() ? url_from_file : url;
  // The URL itself is never quoted: it may carry the receiver's token.
  if (!receiver.url.empty() && !absl::StartsWith(receiver.url, "http://") &&
      !absl::StartsWith(receiver.url, "https://")) {
    reader.Problem(Reader::Join(path, url.empty() ? "url_file" : "url"),
                   "must be an http or https URL");
  }
  if (const std::string format = reader.String(node, path, "format"); !format.empty()) {
    if (absl::StatusOr<notify::WebhookFormat> parsed = notify::ParseFormat(format); parsed.ok()) {
      receiver.format = *parsed;
    } else {
      reader.Problem(Reader::Join(path, "format"), std::string(parsed.status().message()));
    }
  }
  receiver.secret = reader.FileContents(node, path, "secret_file");
  const std::string events_path = Reader::Join(path, "events");
  if (const YAML::Node events = node["events"]; events.IsDefined() && !events.IsNull()) {
    if (!events.IsSequence() || events.size() == 0) {
      reader.Problem(events_path, "must be a non-empty list (leave it out for every type)");
    } else {
      for (size_t i = 0; i < events.size(); ++i) {
        const std::string item_path = absl::StrCat(events_path, "[", i, "]");
        absl::StatusOr<notify::NotificationType> type =
            notify::ParseType(events[i].IsScalar() ? events[i].Scalar() : "");
        if (type.ok()) {
          receiver.events.insert(*type);
        } else {
          reader.Problem(item_path, std::string(type.status().message()));
        }
      }
    }
  }
  receiver.timeout = reader.Duration(node, path, "timeout", receiver.timeout);
  receiver.max_delivery_time =
      reader.Duration(node, path, "max_delivery_time", receiver.max_delivery_time);
  if (const std::string attempts = reader.String(node, path, "max_attempts"); !attempts.empty()) {
    if (!absl::SimpleAtoi(attempts, &receiver.max_attempts) || receiver.max_attempts < 1 ||
        receiver.max_attempts > 20) {
      reader.Problem(Reader::Join(path, "max_attempts"),
                     absl::StrCat("must be an integer from 1 to 20, got \"", attempts, "\""));
    }
  }
  return receiver;
}

void ReadAllowedHookHosts(Reader& reader, const YAML::Node& hosts, DaemonConfig& config) {
  constexpr char kPath[] = "notifications.allowed_hook_hosts";
  if (!hosts.IsDefined() || hosts.IsNull()) return;
  if (!hosts.IsSequence() || hosts.size() == 0) {
    reader.Problem(kPath, "must be a non-empty list of host names (leave it out for any host)");
    return;
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    const std::string host = hosts[i].IsScalar() ? hosts[i].Scalar() : "";
    if (!spec::IsHostPattern(host)) {
      reader.Problem(
          absl::StrCat(kPath, "[", i, "]"),
          absl::StrCat("must be a lower-case host name or *.domain, got \"", host, "\""));
    } else {
      config.notifications.allowed_hook_hosts.insert(host);
    }
  }
}

void ReadNotifications(Reader& reader, const YAML::Node& node, DaemonConfig& config) {
  if (!reader.Mapping(node, "notifications",
                      {"receivers", "queue_capacity", "hook_secret_file", "allowed_hook_hosts"})) {
    return;
  }
  ReadAllowedHookHosts(reader, node["allowed_hook_hosts"], config);
  config.notifications.hook_secret = reader.FileContents(node, "notifications", "hook_secret_file");
  if (const std::string capacity = reader.String(node, "notifications", "queue_capacity");
      !capacity.empty()) {
    if (!absl::SimpleAtoi(capacity, &config.notifications.queue_capacity) ||
        config.notifications.queue_capacity < 1 ||
        config.notifications.queue_capacity > 1'000'000) {
      reader.Problem("notifications.queue_capacity",
                     absl::StrCat("must be an integer from 1 to 1000000, got \"", capacity, "\""));
    }
  }
  const YAML::Node receivers = node["receivers"];
  if (!receivers.IsDefined() || receivers.IsNull()) return;
  if (!receivers.IsSequence()) {
    reader.Problem("notifications.receivers", "must be a list of {name, url, format, ...}");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < receivers.size(); ++i) {
    const std::string path = absl::StrCat("notifications.receivers[", i, "]");
    notify::Receiver receiver = ReadReceiver(reader, receivers[i], path);
    if (!receiver.name.empty() && !names.insert(receiver.name).second) {
      reader.Problem(Reader::Join(path, "name"),
                     absl::StrCat("\"", receiver.name, "\" is used by an earlier receiver"));
    }
    config.notifications.receivers.push_back(std::move(receiver));
  }
}

absl::StatusOr<DaemonConfig> ParseRoot(const YAML::Node& root) {
  DaemonConfig config;
  Reader reader;
  if (!root.IsDefined() || root.IsNull()) return config;
  if (!root.IsMap()) return absl::InvalidArgumentError("config: must be a mapping");
  reader.Mapping(root, "", {"providers", "kubernetes", "defaults", "auth", "notifications"});
  if (const YAML::Node providers = root["providers"];
      providers.IsDefined() && !providers.IsNull()) {
    if (!providers.IsMap()) {
      reader.Problem("providers", "must be a mapping of provider names to providers");
    } else {
      for (const auto& entry : providers) {
        const std::string name = entry.first.Scalar();
        const std::string path = absl::StrCat("providers.", name);
        if (!IsProviderName(name)) {
          reader.Problem(path, "the name must be letters, digits, '-' or '_'");
        }
        config.providers[name] = ReadProvider(reader, entry.second, path);
      }
    }
  }
  ReadKubernetes(reader, root["kubernetes"], config);
  if (const YAML::Node defaults = root["defaults"];
      reader.Mapping(defaults, "defaults", {"istio_api_version"})) {
    config.defaults.istio_api_version = reader.String(defaults, "defaults", "istio_api_version");
  }
  ReadAuth(reader, root["auth"], config);
  ReadNotifications(reader, root["notifications"], config);
  if (absl::Status status = reader.Result(); !status.ok()) return status;
  return config;
}

}  // namespace

absl::StatusOr<DaemonConfig> ParseDaemonConfig(const std::string& yaml) {
  try {
    return ParseRoot(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: invalid YAML: ", e.what()));
  }
}

absl::StatusOr<DaemonConfig> LoadDaemonConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("config: ", path, " cannot be read"));
  std::ostringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<DaemonConfig> config = ParseDaemonConfig(contents.str());
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

absl::StatusOr<std::map<std::string, metrics::MetricProviderPtr>> MakeProviders(
    const DaemonConfig& config) {
  std::map<std::string, metrics::MetricProviderPtr> providers;
  for (const auto& [name, provider_config] : config.providers) {
    absl::StatusOr<metrics::MetricProviderPtr> provider =
        metrics::MakeMetricProvider(provider_config);
    if (!provider.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("providers.", name, ".", provider.status().message()));
    }
    providers[name] = *std::move(provider);
  }
  return providers;
}

absl::StatusOr<kube::KubeConfig> ResolveKubeConfig(const KubernetesSettings& settings) {
  absl::StatusOr<kube::KubeConfig> resolved =
      settings.in_cluster
          ? kube::InClusterConfig([](const char* name) { return std::getenv(name); })
          : kube::KubeconfigFile(settings.kubeconfig, settings.context);
  if (!resolved.ok()) {
    return absl::Status(resolved.status().code(),
                        absl::StrCat("kubernetes: ", resolved.status().message()));
  }
  resolved->request_timeout = settings.request_timeout;
  return resolved;
}

}  // namespace kanarya::config
