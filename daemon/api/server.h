// A started gRPC server with what every Kanarya server carries: server
// reflection (grpc.reflection.v1alpha) and grpc.health.v1.Health, both
// usable from `buf curl`. Reuse of a bound port by a second process is
// refused. Thread-safe.
#ifndef KANARYA_DAEMON_API_SERVER_H_
#define KANARYA_DAEMON_API_SERVER_H_

#include <grpcpp/server.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
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

class GrpcServer {
 public:
  // Listens on `address` (HOST:PORT; port 0 picks a free one) without TLS.
  // InvalidArgument naming the address when it cannot be bound. The
  // services must outlive the server; `interceptors` see every call.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const std::string& address, const std::vector<NamedService>& services,
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
          interceptors = {});
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
