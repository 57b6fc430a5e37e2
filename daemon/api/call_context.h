// What every RPC handler needs from its grpc::ServerContext, gRPC-free once
// taken: whether the call is still worth serving (not cancelled, deadline
// not passed), the deadline as absl::Time, and who calls. Thread-compatible
// (one call, one context).
#ifndef KANARYA_DAEMON_API_CALL_CONTEXT_H_
#define KANARYA_DAEMON_API_CALL_CONTEXT_H_

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/engine/rollout_controller.h"

namespace kanarya::api {

// absl::InfiniteFuture() when the client set no deadline.
absl::Time CallDeadline(const grpc::ServerContext& context);

// Cancelled when the client gave up, DeadlineExceeded when its deadline has
// passed: either way no work should start for it.
absl::Status CheckCallAlive(const grpc::ServerContext& context);

// The caller as authentication established it. Without authentication (a
// later layer fills this in from the call's credentials) every caller is
// anonymous.
engine::Caller CallerOf(const grpc::ServerContext& context);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_CALL_CONTEXT_H_
