// What every RPC handler needs from its grpc::ServerContext, gRPC-free once
// taken: whether the call is still worth serving (not cancelled, deadline
// not passed), the deadline as absl::Time, and the credentials it presents.
// Thread-compatible (one call, one context).
#ifndef KANARYA_DAEMON_API_CALL_CONTEXT_H_
#define KANARYA_DAEMON_API_CALL_CONTEXT_H_

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/api/auth/authorizer.h"

namespace kanarya::api {

// absl::InfiniteFuture() when the client set no deadline.
absl::Time CallDeadline(const grpc::ServerContext& context);

// Cancelled when the client gave up, DeadlineExceeded when its deadline has
// passed: either way no work should start for it.
absl::Status CheckCallAlive(const grpc::ServerContext& context);

// The call's "authorization" metadata and the client certificate its TLS
// handshake verified, for the Authorizer.
auth::CallCredentials CredentialsOf(const grpc::ServerContext& context);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_CALL_CONTEXT_H_
