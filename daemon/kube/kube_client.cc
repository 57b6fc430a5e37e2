#include "daemon/kube/kube_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

absl::Status FromStatusBody(long http_status, const std::string& body) {  // NOLINT
  const json status = json::parse(body, nullptr, false);
  const std::string reason = status.is_object() ? status.value("reason", "") : "";
  const std::string message = status.is_object() ? status.value("message", body) : body;
  const std::string text = absl::StrCat("Kubernetes ", http_status, " ", reason, ": ", message);
  if (reason == "NotFound" || http_status == 404) return absl::NotFoundError(text);
  if (reason == "AlreadyExists") return absl::AlreadyExistsError(text);
  if (reason == "Conflict" || http_status == 409) return absl::AbortedError(text);
  if (reason == "Invalid" || http_status == 422 || http_status == 400) {
    return absl::InvalidArgumentError(text);
  }
  if (reason == "Forbidden" || http_status == 403) return absl::PermissionDeniedError(text);
  if (reason == "Unauthorized" || http_status == 401) return absl::UnauthenticatedError(text);
  if (reason == "TooManyRequests" || http_status == 429) return absl::ResourceExhaustedError(text);
  if (reason == "Timeout" || reason == "ServerTimeout" || http_status == 504) {
    return absl::DeadlineExceededError(text);
  }
  if (http_status >= 500) return absl::UnavailableError(text);
  return absl::UnknownError(text);
}

}  // namespace

KubeClient::KubeClient(const KubeConfig& config)
    : server_(absl::StripSuffix(config.server, "/")),
      request_timeout_(config.request_timeout),
      http_(config.endpoint) {}

std::string KubeClient::Path(const ObjectRef& ref, bool with_name) {
  std::string path = ref.group.empty() ? absl::StrCat("/api/", ref.version)
                                       : absl::StrCat("/apis/", ref.group, "/", ref.version);
  absl::StrAppend(&path, "/namespaces/", ref.namespace_name, "/", ref.resource);
  if (with_name) absl::StrAppend(&path, "/", ref.name);
  return path;
}

absl::StatusOr<json> KubeClient::Send(const std::string& method, const std::string& path,
                                      const std::string& content_type, const std::string& body) {
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
    return FromStatusBody(response->status, response->body);
  }
  json object = json::parse(response->body, nullptr, false);
  if (object.is_discarded()) return absl::DataLossError("Kubernetes answered with invalid JSON");
  return object;
}

absl::StatusOr<json> KubeClient::Get(const ObjectRef& ref) {
  return Send("GET", Path(ref), "", "");
}

absl::StatusOr<json> KubeClient::Create(const ObjectRef& ref, const json& object) {
  return Send("POST", Path(ref, /*with_name=*/false), "application/json", object.dump());
}

absl::StatusOr<json> KubeClient::Update(const ObjectRef& ref, const json& object) {
  return Send("PUT", Path(ref), "application/json", object.dump());
}

absl::StatusOr<json> KubeClient::MergePatch(const ObjectRef& ref, const json& patch) {
  return Send("PATCH", Path(ref), "application/merge-patch+json", patch.dump());
}

absl::StatusOr<json> KubeClient::JsonPatch(const ObjectRef& ref, const json& patch) {
  return Send("PATCH", Path(ref), "application/json-patch+json", patch.dump());
}

absl::StatusOr<std::vector<std::string>> KubeClient::ServedVersions(const std::string& group) {
  absl::StatusOr<json> api_group = Send("GET", absl::StrCat("/apis/", group), "", "");
  if (!api_group.ok()) return api_group.status();
  std::vector<std::string> versions;
  const json preferred = api_group->value("preferredVersion", json::object());
  if (preferred.contains("version")) versions.push_back(preferred.value("version", ""));
  for (const json& v : api_group->value("versions", json::array())) {
    const std::string version = v.value("version", "");
    if (!version.empty() &&
        std::find(versions.begin(), versions.end(), version) == versions.end()) {
      versions.push_back(version);
    }
  }
  return versions;
}

}  // namespace kanarya::kube
