// The one place where the API maps errors: absl::Status and grpc::Status
// carry the same canonical code (their numbering agrees by design) and the
// same message, in both directions. Pure; thread-safe.
#ifndef KANARYA_DAEMON_API_STATUS_MAPPING_H_
#define KANARYA_DAEMON_API_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace kanarya::api {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_STATUS_MAPPING_H_
