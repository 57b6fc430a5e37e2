#include "cli/rpc_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cli/exit_codes.h"

namespace kanarya::cli {
namespace {

// Adds "authorization: Bearer TOKEN" to every call's metadata. Unlike call
// credentials, this also reaches a daemon on a plaintext loopback port.
class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string& token) : header_("Bearer " + token) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    methods->Proceed();
  }

 private:
  const std::string header_;
};

class BearerTokenFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenFactory(std::string token) : token_(std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new BearerTokenInterceptor(token_);
  }

 private:
  const std::string token_;
};

std::shared_ptr<grpc::ChannelCredentials> CredentialsOf(const ClientOptions& options) {
  if (!options.tls.has_value()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls->ca_pem;
  ssl.pem_cert_chain = options.tls->certificate_pem;
  ssl.pem_private_key = options.tls->key_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::shared_ptr<grpc::Channel> ConnectChannel(const ClientOptions& options) {
  grpc::ChannelArguments arguments;
  if (options.tls.has_value() && !options.tls->server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.tls->server_name);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  if (!options.token.empty()) {
    interceptors.push_back(std::make_unique<BearerTokenFactory>(options.token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.server, CredentialsOf(options), arguments, std::move(interceptors));
}

std::unique_ptr<v1::RolloutService::Stub> ConnectRolloutService(const ClientOptions& options) {
  return v1::RolloutService::NewStub(ConnectChannel(options));
}

std::unique_ptr<grpc::ClientContext> ContextWithDeadline(absl::Time deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteFuture()) context->set_deadline(absl::ToChronoTime(deadline));
  return context;
}

int ReportRpcError(const std::string& verb, const ClientOptions& options,
                   const grpc::Status& status, std::ostream& err) {
  err << "kanaryactl " << verb << ": "
      << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": ";
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
