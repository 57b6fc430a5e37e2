// The bodies of notification webhooks: Kanarya's generic JSON (schema
// version 1, docs/daemon.md "Notifications and webhooks"), a Slack
// incoming-webhook message, and a Microsoft Teams message carrying an
// Adaptive Card (Teams workflows' incoming webhooks). Pure; thread-safe.
#ifndef KANARYA_DAEMON_NOTIFY_WEBHOOK_FORMAT_H_
#define KANARYA_DAEMON_NOTIFY_WEBHOOK_FORMAT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/notify/notification.h"

namespace kanarya::notify {

enum class WebhookFormat { kGeneric, kSlack, kTeams };

// The generic format's schema version, its "version" field. Fields may be
// added within a version; none is removed or changes meaning.
inline constexpr int kGenericSchemaVersion = 1;

// "generic", "slack", "teams"; InvalidArgument otherwise.
absl::StatusOr<WebhookFormat> ParseFormat(absl::string_view name);
absl::string_view FormatName(WebhookFormat format);

// One line for people: "shop/rollout-7f3a (revision v2) rolled back: ...".
std::string Headline(const Notification& notification);

// The JSON body to POST (UTF-8; invalid UTF-8 in the rollout's strings is
// replaced, never thrown).
std::string RenderBody(const Notification& notification, WebhookFormat format);

// The body of a rollout's own webhook call (a gate, a pre-, post-rollout or
// rollback hook): the generic format's "version", "time" and "rollout", with
// "type" "webhook.TYPE" (webhook.confirm-promotion, ...), the hook's "name"
// and its "metadata".
std::string RenderHookBody(const v1::Rollout& rollout, const v1::Webhook& hook, absl::Time time);

// Flagger's names: confirm-rollout, confirm-traffic-increase,
// confirm-promotion, pre-rollout, post-rollout, rollback, event.
absl::string_view HookTypeName(v1::WebhookType type);

}  // namespace kanarya::notify

#endif  // KANARYA_DAEMON_NOTIFY_WEBHOOK_FORMAT_H_
