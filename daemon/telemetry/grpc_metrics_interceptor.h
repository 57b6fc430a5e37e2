// A gRPC server interceptor factory counting every call under
// kanarya_grpc_requests_total{method,code} and timing it under
// kanarya_grpc_request_duration_seconds{method} (arrival to status; a call
// that ends without one, cancelled by its client, counts as "cancelled").
// `method` is the full name ("/kanarya.v1.RolloutService/GetRollout") for
// the methods of the services named at construction, "other" for anything
// else, so a client cannot grow the label set. Thread-safe.
#ifndef KANARYA_DAEMON_TELEMETRY_GRPC_METRICS_INTERCEPTOR_H_
#define KANARYA_DAEMON_TELEMETRY_GRPC_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <set>
#include <string>
#include <vector>

#include "daemon/telemetry/daemon_metrics.h"

namespace kanarya::telemetry {

class GrpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `services`: full service names ("kanarya.v1.RolloutService") whose
  // methods are found in the generated descriptor pool.
  GrpcMetricsInterceptorFactory(const std::vector<std::string>& services, DaemonMetrics& metrics);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::set<std::string> methods_;
  DaemonMetrics& metrics_;
};

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_GRPC_METRICS_INTERCEPTOR_H_
