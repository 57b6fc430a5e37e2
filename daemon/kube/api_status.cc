#include "daemon/kube/api_status.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "daemon/http/http_status.h"
#include "daemon/kube/json_fields.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessageBytes = 2048;

absl::StatusCode CodeOfReason(const std::string& reason, long http_status) {  // NOLINT
  if (reason == "NotFound") return absl::StatusCode::kNotFound;
  if (reason == "AlreadyExists") return absl::StatusCode::kAlreadyExists;
  if (reason == "Conflict") return absl::StatusCode::kAborted;
  if (reason == "Invalid" || reason == "BadRequest") return absl::StatusCode::kInvalidArgument;
  if (reason == "Forbidden") return absl::StatusCode::kPermissionDenied;
  if (reason == "Unauthorized") return absl::StatusCode::kUnauthenticated;
  if (reason == "TooManyRequests") return absl::StatusCode::kResourceExhausted;
  if (reason == "Timeout" || reason == "ServerTimeout") {
    return absl::StatusCode::kDeadlineExceeded;
  }
  return http::StatusCodeFromHttp(http_status);
}

// "; field: message" for each cause the server gave.
std::string Causes(const json& causes) {
  std::string text;
  for (const json& cause : causes) {
    const std::string field = StringField(cause, "", "field").value_or("");
    const std::string message = StringField(cause, "", "message").value_or("");
    if (field.empty() && message.empty()) continue;
    absl::StrAppend(&text, "; ", field, field.empty() ? "" : ": ", message);
  }
  return text;
}

}  // namespace

absl::Status StatusFromApiAnswer(long http_status, const std::string& body,  // NOLINT
                                 bool json_patch) {
  const json status = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const absl::StatusOr<std::string> kind = StringField(status, "", "kind");
  if (status.is_discarded() || !status.is_object() || !kind.ok() || *kind != "Status") {
    return http::StatusFromHttp("Kubernetes", http_status, body);
  }
  const std::string reason = StringField(status, "", "reason").value_or("");
  const std::string message = StringField(status, "", "message").value_or("");
  const json details = ObjectField(status, "", "details").value_or(json::object());
  const json causes = ArrayField(details, "details", "causes").value_or(json::array());
  const std::string text = http::Utf8Prefix(
      absl::StrCat("Kubernetes ", http_status, " ", reason, ": ", message, Causes(causes)),
      kMaxMessageBytes);
  if (json_patch && http_status == 422 && reason == "Invalid" && causes.empty()) {
    return absl::AbortedError(
        absl::StrCat("the JSON patch could not be applied (a test failed: the object changed "
                     "since it was read): ",
                     text));
  }
  return absl::Status(CodeOfReason(reason, http_status), text);
}

}  // namespace kanarya::kube
