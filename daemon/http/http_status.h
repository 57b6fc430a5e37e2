// The one mapping from an HTTP error answer to an absl::Status, shared by
// every client of a server (Prometheus, Loki, the Kubernetes API), and the
// UTF-8-safe cutting of server text that goes into status messages. Pure
// functions; thread-safe.
#ifndef KANARYA_DAEMON_HTTP_HTTP_STATUS_H_
#define KANARYA_DAEMON_HTTP_HTTP_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace kanarya::http {

// The longest error text from a server that goes into a status message.
inline constexpr size_t kMaxServerMessageBytes = 512;

// The status an HTTP answer of `http_status` (>= 300) means, by its code:
//   400, 422 -> InvalidArgument      401 -> Unauthenticated
//   403 -> PermissionDenied          404 -> NotFound
//   409 -> Aborted                   408, 504 -> DeadlineExceeded
//   413, 429 -> ResourceExhausted    other 5xx -> Unavailable
//   anything else -> Unknown
// The message is "<server> HTTP <code>: <text>", the text cut to
// kMaxServerMessageBytes on a character boundary with invalid UTF-8 replaced.
absl::Status StatusFromHttp(absl::string_view server,
                            long http_status,  // NOLINT(google-runtime-int)
                            absl::string_view text);
absl::StatusCode StatusCodeFromHttp(long http_status);  // NOLINT(google-runtime-int)

// `text` as valid UTF-8 of at most `max_bytes` bytes: cut on a character
// boundary (never inside a multi-byte sequence), each invalid byte replaced by
// U+FFFD (the replacement counts towards the limit), surrounding whitespace
// trimmed.
std::string Utf8Prefix(absl::string_view text, size_t max_bytes);

}  // namespace kanarya::http

#endif  // KANARYA_DAEMON_HTTP_HTTP_STATUS_H_
