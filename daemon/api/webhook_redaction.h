// What the API shows of a rollout's webhooks: each URL cut to its scheme and
// host ("https://hooks.slack.com/…"), since a Slack or Teams URL's path is
// its credential and any URL's path, query or user info may carry a token.
// Every RolloutService answer that carries a rollout passes through here;
// the stored spec keeps the full URL (the engine calls it). Pure functions.
#ifndef KANARYA_DAEMON_API_WEBHOOK_REDACTION_H_
#define KANARYA_DAEMON_API_WEBHOOK_REDACTION_H_

#include <string>

#include "absl/strings/string_view.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::api {

// "scheme://host[:port]/…" of `url`, without user info; "…" when it has no
// scheme.
std::string RedactedWebhookUrl(absl::string_view url);

// Replaces every spec webhook's URL of `rollout` with its redacted form.
void RedactWebhookUrls(v1::Rollout& rollout);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_WEBHOOK_REDACTION_H_
