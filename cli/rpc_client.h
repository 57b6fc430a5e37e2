// What every kanaryactl verb that talks to the daemon shares: its options,
// a stub on an insecure channel, contexts with a deadline, and one mapping
// of an RPC failure to a message and an exit code. Thread-compatible.
#ifndef KANARYA_CLI_RPC_CLIENT_H_
#define KANARYA_CLI_RPC_CLIENT_H_

#include <grpcpp/client_context.h>

#include <memory>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "cli/output_format.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"

namespace kanarya::cli {

inline constexpr char kDefaultServer[] = "127.0.0.1:7443";

struct ClientOptions {
  std::string server = kDefaultServer;
  OutputFormat output = OutputFormat::kTable;
  absl::Duration request_timeout = absl::Seconds(10);
};

std::unique_ptr<v1::RolloutService::Stub> ConnectRolloutService(const ClientOptions& options);

std::unique_ptr<grpc::ClientContext> ContextWithDeadline(absl::Time deadline);

// Prints "kanaryactl VERB: ..." on `err` and returns the exit code:
// UNAVAILABLE and DEADLINE_EXCEEDED (the daemon did not answer) 4,
// INVALID_ARGUMENT 2, anything else the daemon refused 1.
int ReportRpcError(const std::string& verb, const ClientOptions& options,
                   const grpc::Status& status, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_RPC_CLIENT_H_
