#include "daemon/api/call_context.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

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

auth::CallCredentials CredentialsOf(const grpc::ServerContext& context) {
  auth::CallCredentials credentials;
  const auto [begin, end] = context.client_metadata().equal_range("authorization");
  for (auto it = begin; it != end; ++it) {
    credentials.authorization.emplace_back(it->second.data(), it->second.size());
  }
  const std::shared_ptr<const grpc::AuthContext> session = context.auth_context();
  if (session != nullptr) {
    const std::vector<grpc::string_ref> certificates =
        session->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    if (!certificates.empty()) {
      credentials.client_certificate_pem.assign(certificates.front().data(),
                                                certificates.front().size());
    }
  }
  return credentials;
}

}  // namespace kanarya::api
