// A started gRPC server with what every Kanarya server carries: server
// reflection (grpc.reflection.v1alpha) and grpc.health.v1.Health, both
// usable from `buf curl`; plaintext, TLS, or mutual TLS. Reuse of a bound
// port by a second process is refused. Thread-safe.
#ifndef KANARYA_DAEMON_API_SERVER_H_
#define KANARYA_DAEMON_API_SERVER_H_

#include <grpcpp/server.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/api/health_service.h"

namespace kanarya::api {

struct NamedService {
  std::string name;  // the full name, e.g. "kanarya.v1.RolloutService", for health checks
  grpc::Service* service;
};

// The server's TLS, as PEM text. With a client CA the handshake verifies
// the client certificates against it: every client must present one when
// `require_client_certificate`, otherwise only those that present one are
// verified (bearer-token clients need none).
struct TlsSettings {
  std::string certificate_chain_pem;
  std::string private_key_pem;
  std::string client_ca_pem;  // empty: client certificates are not asked for
  bool require_client_certificate = false;
};

class GrpcServer {
 public:
  // Listens on `address` (HOST:PORT; port 0 picks a free one), with TLS when
  // `tls` is set. InvalidArgument naming the address when it cannot be
  // bound (or the TLS material is unusable). The services must outlive the
  // server; `interceptors` see every call.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const std::string& address, const std::vector<NamedService>& services,
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
          interceptors = {},
      const std::optional<TlsSettings>& tls = std::nullopt);
  ~GrpcServer();

  int port() const { return port_; }
  HealthService& health() { return *health_; }

  // Health turns NOT_SERVING, new calls are refused, calls in flight get
  // `grace` to finish and are then cancelled. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer(std::unique_ptr<HealthService> health, std::unique_ptr<grpc::Server> server, int port);

  std::unique_ptr<HealthService> health_;
  std::unique_ptr<grpc::Server> server_;
  const int port_;
};

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_SERVER_H_
