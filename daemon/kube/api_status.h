// The absl::Status a Kubernetes API error answer means, from its metav1.Status
// body (reason, message, details.causes) or, when the body is not one (a
// proxy's HTML page), from the HTTP code alone. By reason:
//   NotFound -> NotFound, AlreadyExists -> AlreadyExists, Conflict -> Aborted,
//   Invalid -> InvalidArgument, Forbidden -> PermissionDenied,
//   Unauthorized -> Unauthenticated, TooManyRequests -> ResourceExhausted,
//   Timeout / ServerTimeout -> DeadlineExceeded, other reasons by the HTTP
//   code (http::StatusFromHttp).
// A JSON patch the server could not apply is Aborted, not InvalidArgument: the
// API server answers a failed `test` operation (or a path that is gone) with
// 422 Invalid, its generic message and no causes, while a validation
// rejection always lists its causes. Never throws; pure.
#ifndef KANARYA_DAEMON_KUBE_API_STATUS_H_
#define KANARYA_DAEMON_KUBE_API_STATUS_H_

#include <string>

#include "absl/status/status.h"

namespace kanarya::kube {

// The message is "Kubernetes <code> <reason>: <server message>", followed by
// each cause as "; <field>: <message>", valid UTF-8 of bounded length.
absl::Status StatusFromApiAnswer(long http_status,  // NOLINT(google-runtime-int)
                                 const std::string& body, bool json_patch);

}  // namespace kanarya::kube

#endif  // KANARYA_DAEMON_KUBE_API_STATUS_H_
