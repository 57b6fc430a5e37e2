// What every kanaryactl verb that talks to the daemon shares: its options,
// a channel (plaintext, TLS or mutual TLS) whose every call carries the
// bearer token when one is set, contexts with a deadline, and one mapping of
// an RPC failure to a message and an exit code. Thread-compatible.
#ifndef KANARYA_CLI_RPC_CLIENT_H_
#define KANARYA_CLI_RPC_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "cli/output_format.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"

namespace kanarya::cli {

inline constexpr char kDefaultServer[] = "127.0.0.1:7443";

// TLS towards the daemon, as PEM text.
struct ClientTls {
  std::string ca_pem;           // empty: the system's roots
  std::string certificate_pem;  // with key_pem: a client certificate (mTLS)
  std::string key_pem;
  std::string server_name;  // empty: the host of the server address
};

struct ClientOptions {
  std::string server = kDefaultServer;
  OutputFormat output = OutputFormat::kTable;
  absl::Duration request_timeout = absl::Seconds(10);
  std::string token;             // sent as "authorization: Bearer TOKEN" when set
  std::optional<ClientTls> tls;  // unset: plaintext
};

std::shared_ptr<grpc::Channel> ConnectChannel(const ClientOptions& options);
std::unique_ptr<v1::RolloutService::Stub> ConnectRolloutService(const ClientOptions& options);

std::unique_ptr<grpc::ClientContext> ContextWithDeadline(absl::Time deadline);

// Prints "kanaryactl VERB: CODE: message" on `err` and returns the exit
// code: UNAVAILABLE and DEADLINE_EXCEEDED (the daemon did not answer) 4,
// INVALID_ARGUMENT 2, anything else the daemon refused 1 (UNAUTHENTICATED
// and PERMISSION_DENIED included).
int ReportRpcError(const std::string& verb, const ClientOptions& options,
                   const grpc::Status& status, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_RPC_CLIENT_H_
