// Signing webhook bodies so that receivers can check the sender and refuse
// replays: HMAC-SHA256 with the receiver's secret over "TIMESTAMP.BODY",
// where TIMESTAMP (Unix seconds) is sent in its own header. A receiver
// recomputes the HMAC, compares in constant time, and refuses a timestamp
// older than its tolerance (docs/daemon.md). Pure; thread-safe.
#ifndef KANARYA_DAEMON_NOTIFY_WEBHOOK_SIGNATURE_H_
#define KANARYA_DAEMON_NOTIFY_WEBHOOK_SIGNATURE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/http/http_client.h"

namespace kanarya::notify {

inline constexpr char kSignatureHeader[] = "X-Kanarya-Signature";
inline constexpr char kTimestampHeader[] = "X-Kanarya-Timestamp";

// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(absl::string_view key, absl::string_view message);

// The two headers: X-Kanarya-Timestamp: SECONDS and
// X-Kanarya-Signature: sha256=HEX of HMAC(secret, "SECONDS.BODY").
http::Headers SignatureHeaders(absl::string_view secret, absl::string_view body, absl::Time now);

inline constexpr char kNamespaceHeader[] = "X-Kanarya-Namespace";
inline constexpr char kRolloutHeader[] = "X-Kanarya-Rollout";

// A call to a rollout's own webhook (signed with the daemon's hook secret,
// which every team's receivers share): the rollout's namespace and name in
// their own headers and in the signed text, "SECONDS.NAMESPACE.NAME.BODY",
// so that a receiver can refuse calls for rollouts outside the namespaces
// it serves however the body is parsed.
http::Headers HookSignatureHeaders(absl::string_view secret, absl::string_view namespace_name,
                                   absl::string_view rollout_name, absl::string_view body,
                                   absl::Time now);

}  // namespace kanarya::notify

#endif  // KANARYA_DAEMON_NOTIFY_WEBHOOK_SIGNATURE_H_
