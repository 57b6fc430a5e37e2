#include "daemon/api/webhook_redaction.h"

#include "absl/strings/str_cat.h"

namespace kanarya::api {
namespace {

constexpr char kHidden[] = "\u2026";  // an ellipsis: what was cut

}  // namespace

std::string RedactedWebhookUrl(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return kHidden;
  absl::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return absl::StrCat(url.substr(0, scheme_end), "://", authority, "/", kHidden);
}

void RedactWebhookUrls(v1::Rollout& rollout) {
  for (v1::Webhook& hook : *rollout.mutable_spec()->mutable_webhooks()) {
    hook.set_url(RedactedWebhookUrl(hook.url()));
  }
}

}  // namespace kanarya::api
