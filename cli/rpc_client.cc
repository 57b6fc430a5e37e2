#include "cli/rpc_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "cli/exit_codes.h"

namespace kanarya::cli {

std::unique_ptr<v1::RolloutService::Stub> ConnectRolloutService(const ClientOptions& options) {
  return v1::RolloutService::NewStub(
      grpc::CreateChannel(options.server, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> ContextWithDeadline(absl::Time deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteFuture()) context->set_deadline(absl::ToChronoTime(deadline));
  return context;
}

int ReportRpcError(const std::string& verb, const ClientOptions& options,
                   const grpc::Status& status, std::ostream& err) {
  err << "kanaryactl " << verb << ": ";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      err << "the daemon at " << options.server << " did not answer: " << status.error_message()
          << "\n";
      return kExitUnreachable;
    case grpc::StatusCode::INVALID_ARGUMENT:
      err << status.error_message() << "\n";
      return kExitUsage;
    default:
      err << status.error_message() << "\n";
      return kExitFailure;
  }
}

}  // namespace kanarya::cli
