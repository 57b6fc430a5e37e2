#include "daemon/kube/kube_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "daemon/kube/api_status.h"
#include "daemon/kube/json_fields.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

constexpr char kJsonPatch[] = "application/json-patch+json";

}  // namespace

KubeClient::KubeClient(const KubeConfig& config, KubeErrorObserver on_error)
    : server_(absl::StripSuffix(config.server, "/")),
      request_timeout_(config.request_timeout),
      on_error_(std::move(on_error)),
      http_(config.endpoint) {}

std::string KubeClient::OperationName(std::string_view verb, std::string_view resource) {
  if (resource == "leases") return "lease";
  static constexpr std::pair<std::string_view, std::string_view> kSingular[] = {
      {"virtualservices", "virtual_service"},
      {"destinationrules", "destination_rule"},
      {"events", "event"}};
  for (const auto& [plural, singular] : kSingular) {
    if (resource == plural) resource = singular;
  }
  std::string name(verb);
  name.append("_").append(resource);
  return name;
}

std::string KubeClient::Path(const ObjectRef& ref, bool with_name) {
  std::string path = ref.group.empty() ? absl::StrCat("/api/", ref.version)
                                       : absl::StrCat("/apis/", ref.group, "/", ref.version);
  absl::StrAppend(&path, "/namespaces/", ref.namespace_name, "/", ref.resource);
  if (with_name) absl::StrAppend(&path, "/", ref.name);
  return path;
}

absl::StatusOr<json> KubeClient::Send(std::string_view operation, const std::string& method,
                                      const std::string& path, const std::string& content_type,
                                      const std::string& body) {
  absl::StatusOr<json> answer = Exchange(method, path, content_type, body);
  if (!answer.ok() && on_error_) on_error_(operation, answer.status());
  return answer;
}

absl::StatusOr<json> KubeClient::Exchange(const std::string& method, const std::string& path,
                                          const std::string& content_type,
                                          const std::string& body) {
  http::HttpRequest request;
  request.method = method;
  request.url = server_ + path;
  request.body = body;
  request.timeout = request_timeout_;
  request.headers = {{"Accept", "application/json"}};
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  absl::StatusOr<http::HttpResponse> response = http_.Perform(request);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return StatusFromApiAnswer(response->status, response->body, content_type == kJsonPatch);
  }
  json object = json::parse(response->body, nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    return absl::DataLossError(absl::StrCat("Kubernetes answered HTTP ", response->status,
                                            " with a body that is not a "
                                            "JSON object"));
  }
  return object;
}

absl::StatusOr<json> KubeClient::Get(const ObjectRef& ref) {
  return Send(OperationName("get", ref.resource), "GET", Path(ref), "", "");
}

absl::StatusOr<json> KubeClient::Create(const ObjectRef& ref, const json& object) {
  return Send(OperationName("create", ref.resource), "POST", Path(ref, /*with_name=*/false),
              "application/json", Dump(object));
}

absl::StatusOr<json> KubeClient::Update(const ObjectRef& ref, const json& object) {
  return Send(OperationName("update", ref.resource), "PUT", Path(ref), "application/json",
              Dump(object));
}

absl::StatusOr<json> KubeClient::MergePatch(const ObjectRef& ref, const json& patch) {
  return Send(OperationName("patch", ref.resource), "PATCH", Path(ref),
              "application/merge-patch+json", Dump(patch));
}

absl::StatusOr<json> KubeClient::JsonPatch(const ObjectRef& ref, const json& patch) {
  return Send(OperationName("patch", ref.resource), "PATCH", Path(ref), kJsonPatch, Dump(patch));
}

absl::StatusOr<std::vector<std::string>> KubeClient::ServedVersions(const std::string& group) {
  absl::StatusOr<json> api_group =
      Send("discover_api_group", "GET", absl::StrCat("/apis/", group), "", "");
  if (!api_group.ok()) return api_group.status();
  return ServedVersionsOf(*api_group);
}

absl::StatusOr<std::vector<std::string>> ServedVersionsOf(const json& api_group) {
  absl::StatusOr<json> preferred = ObjectField(api_group, "", "preferredVersion");
  if (!preferred.ok()) return preferred.status();
  absl::StatusOr<std::string> first = StringField(*preferred, "preferredVersion", "version");
  if (!first.ok()) return first.status();
  std::vector<std::string> versions;
  if (!first->empty()) versions.push_back(*first);
  absl::StatusOr<json> served = ArrayField(api_group, "", "versions");
  if (!served.ok()) return served.status();
  for (size_t i = 0; i < served->size(); ++i) {
    absl::StatusOr<std::string> version =
        StringField((*served)[i], Element("versions", i), "version");
    if (!version.ok()) return version.status();
    if (!version->empty() &&
        std::find(versions.begin(), versions.end(), *version) == versions.end()) {
      versions.push_back(*version);
    }
  }
  return versions;
}

}  // namespace kanarya::kube
