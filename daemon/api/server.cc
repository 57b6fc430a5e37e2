#include "daemon/api/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace kanarya::api {

namespace {

std::shared_ptr<grpc::ServerCredentials> CredentialsOf(const std::optional<TlsSettings>& tls) {
  if (!tls.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls->client_ca_pem.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                 : (tls->require_client_certificate
                                        ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                        : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY));
  options.pem_root_certs = tls->client_ca_pem;
  options.pem_key_cert_pairs.push_back({tls->private_key_pem, tls->certificate_chain_pem});
  return grpc::SslServerCredentials(options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const std::string& address, const std::vector<NamedService>& services,
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors,
    const std::optional<TlsSettings>& tls) {
  static absl::once_flag reflection_once;
  absl::call_once(reflection_once,
                  [] { grpc::reflection::InitProtoReflectionServerBuilderPlugin(); });

  std::set<std::string> names;
  for (const NamedService& named : services) names.insert(named.name);
  auto health = std::make_unique<HealthService>(std::move(names));

  grpc::ServerBuilder builder;
  // Without this a second daemon could bind the same port and share calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(address, CredentialsOf(tls), &port);
  for (const NamedService& named : services) builder.RegisterService(named.service);
  builder.RegisterService(health.get());
  if (!interceptors.empty()) builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc_address: cannot listen on \"", address, "\"",
                     tls.has_value() ? " with the TLS certificate, key and client CA given" : ""));
  }
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(health), std::move(server), port));
}

GrpcServer::GrpcServer(std::unique_ptr<HealthService> health, std::unique_ptr<grpc::Server> server,
                       int port)
    : health_(std::move(health)), server_(std::move(server)), port_(port) {}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

void GrpcServer::Shutdown(absl::Duration grace) {
  health_->SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace kanarya::api
