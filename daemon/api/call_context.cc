#include "daemon/api/call_context.h"

#include <chrono>

namespace kanarya::api {
namespace {

// gRPC reports "no deadline" as a time point centuries ahead; anything past
// this horizon is treated as none.
constexpr absl::Duration kNoDeadlineHorizon = absl::Hours(24 * 365 * 10);

}  // namespace

absl::Time CallDeadline(const grpc::ServerContext& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24)) {
    return absl::InfiniteFuture();
  }
  const absl::Time time = absl::FromChrono(deadline);
  return time - absl::Now() > kNoDeadlineHorizon ? absl::InfiniteFuture() : time;
}

absl::Status CheckCallAlive(const grpc::ServerContext& context) {
  if (context.IsCancelled()) return absl::CancelledError("the call was cancelled");
  if (absl::Now() >= CallDeadline(context)) {
    return absl::DeadlineExceededError("the call's deadline passed before it was served");
  }
  return absl::OkStatus();
}

engine::Caller CallerOf(const grpc::ServerContext& /*context*/) { return engine::Caller{}; }

}  // namespace kanarya::api
