#include "daemon/kube/kube_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace kanarya::kube {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::string Scalar(const YAML::Node& node, const char* key) {
  return node && node.IsMap() && node[key] && node[key].IsScalar() ? node[key].as<std::string>()
                                                                   : "";
}

// The entry of a kubeconfig list ("clusters", "users", "contexts") with this name.
YAML::Node Named(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const YAML::Node& entry : list) {
    if (entry.IsMap() && Scalar(entry, "name") == name) return entry;
  }
  return YAML::Node();
}

// Decodes the base64 `key` of `node` into `out`; InvalidArgument naming
// field_prefix + key when it is not base64. Absent keys leave `out` alone.
absl::Status DecodeData(const YAML::Node& node, const char* key, const std::string& field_prefix,
                        std::string& out) {
  const std::string data = Scalar(node, key);
  if (data.empty()) return absl::OkStatus();
  if (!absl::Base64Unescape(data, &out)) {
    return absl::InvalidArgumentError(absl::StrCat(field_prefix, key, ": not base64"));
  }
  return absl::OkStatus();
}

// The configuration `root` describes for `context` (empty: current-context).
// May throw YAML::Exception.
absl::StatusOr<KubeConfig> Walk(const YAML::Node& root, const std::string& context);

}  // namespace

absl::StatusOr<KubeConfig> InClusterConfig(const std::function<const char*(const char*)>& getenv,
                                           const std::string& directory) {
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return absl::FailedPreconditionError(
        "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  }
  const std::string token = directory + "/token";
  if (!std::filesystem::exists(token)) {
    return absl::FailedPreconditionError(
        absl::StrCat("service account token ", token, " is missing"));
  }
  KubeConfig config;
  const std::string h = host;
  const bool ipv6 = h.find(':') != std::string::npos;
  config.server = absl::StrCat("https://", ipv6 ? "[" + h + "]" : h, ":", port);
  config.endpoint.bearer_token_file = token;
  config.endpoint.ca_file = directory + "/ca.crt";
  config.namespace_name =
      std::string(absl::StripAsciiWhitespace(ReadFile(directory + "/namespace")));
  if (config.namespace_name.empty()) config.namespace_name = "default";
  return config;
}

absl::StatusOr<KubeConfig> KubeconfigFile(const std::string& path, const std::string& context) {
  std::ifstream file(path);
  if (!file) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be read"));
  std::stringstream contents;
  contents << file.rdbuf();
  return KubeconfigText(contents.str(), path, context);
}

absl::StatusOr<KubeConfig> KubeconfigText(const std::string& text, const std::string& origin,
                                          const std::string& context) {
  // yaml-cpp throws from every conversion and from subscripts of nodes of
  // the wrong kind: the whole walk is inside the try.
  try {
    return Walk(YAML::Load(text), context);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", e.what()));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", e.what()));
  }
}

namespace {

absl::StatusOr<KubeConfig> Walk(const YAML::Node& root, const std::string& context) {
  if (!root.IsMap()) return absl::InvalidArgumentError("the document is not a YAML map");
  const std::string context_name = context.empty() ? Scalar(root, "current-context") : context;
  if (context_name.empty()) return absl::InvalidArgumentError("current-context: not set");
  const YAML::Node ctx = Named(root["contexts"], context_name)["context"];
  if (!ctx) {
    return absl::InvalidArgumentError(absl::StrCat("contexts: no context \"", context_name, "\""));
  }
  const std::string cluster_name = Scalar(ctx, "cluster");
  const YAML::Node cluster = Named(root["clusters"], cluster_name)["cluster"];
  if (!cluster) {
    return absl::InvalidArgumentError(absl::StrCat("clusters: no cluster \"", cluster_name, "\""));
  }
  if (!cluster.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("clusters[", cluster_name, "].cluster: not a map"));
  }
  const YAML::Node user = Named(root["users"], Scalar(ctx, "user"))["user"];

  KubeConfig config;
  config.server = Scalar(cluster, "server");
  if (config.server.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("clusters[", cluster_name, "].server: not set"));
  }
  config.namespace_name = Scalar(ctx, "namespace").empty() ? "default" : Scalar(ctx, "namespace");
  http::EndpointConfig& endpoint = config.endpoint;
  endpoint.ca_file = Scalar(cluster, "certificate-authority");
  const std::string cluster_field = absl::StrCat("clusters[", cluster_name, "].");
  if (absl::Status s =
          DecodeData(cluster, "certificate-authority-data", cluster_field, endpoint.ca_pem);
      !s.ok()) {
    return s;
  }
  endpoint.insecure_skip_tls_verify = Scalar(cluster, "insecure-skip-tls-verify") == "true";
  if (!user) return config;
  const std::string user_field = absl::StrCat("users[", Scalar(ctx, "user"), "].");
  if (!user.IsMap()) return absl::InvalidArgumentError(absl::StrCat(user_field, "user: not a map"));
  // Credential plugins run programs (cloud CLIs) that the daemon's image does
  // not have; say so rather than fail later with a bare 401.
  for (const char* plugin : {"exec", "auth-provider"}) {
    if (user[plugin]) {
      return absl::InvalidArgumentError(
          absl::StrCat(user_field, plugin,
                       ": credential plugins are not supported; use a token, a tokenFile or a "
                       "client certificate"));
    }
  }
  if (const std::string token = Scalar(user, "token"); !token.empty()) {
    endpoint.extra_headers.emplace_back("Authorization", "Bearer " + token);
  }
  endpoint.bearer_token_file = Scalar(user, "tokenFile");
  endpoint.client_certificate_file = Scalar(user, "client-certificate");
  endpoint.client_key_file = Scalar(user, "client-key");
  for (const auto& [key, pem] :
       {std::pair{"client-certificate-data", &endpoint.client_certificate_pem},
        std::pair{"client-key-data", &endpoint.client_key_pem}}) {
    if (absl::Status s = DecodeData(user, key, user_field, *pem); !s.ok()) return s;
  }
  // A certificate needs its key, given the same way.
  struct Pair {
    const std::string& certificate;
    const std::string& key;
    const char* certificate_field;
    const char* key_field;
  };
  for (const Pair& p : {Pair{endpoint.client_certificate_file, endpoint.client_key_file,
                             "client-certificate", "client-key"},
                        Pair{endpoint.client_certificate_pem, endpoint.client_key_pem,
                             "client-certificate-data", "client-key-data"}}) {
    if (p.certificate.empty() != p.key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          user_field, p.certificate.empty() ? p.key_field : p.certificate_field, ": given without ",
          p.certificate.empty() ? p.certificate_field : p.key_field));
    }
  }
  return config;
}

}  // namespace

}  // namespace kanarya::kube
