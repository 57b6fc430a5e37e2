// grpc.health.v1.Health, implemented from the compiled health.proto so that
// server reflection describes it (gRPC's built-in service is invisible to
// reflection). The server ("") and every registered service name report
// SERVING until SetServing(false); other names are NOT_FOUND (Check) or
// SERVICE_UNKNOWN (Watch). Watch streams each change, waiting in bounded
// slices so a cancelled stream frees its thread. Thread-safe.
#ifndef KANARYA_DAEMON_API_HEALTH_SERVICE_H_
#define KANARYA_DAEMON_API_HEALTH_SERVICE_H_

#include <cstdint>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace kanarya::api {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(std::set<std::string> services,
                         absl::Duration watch_slice = absl::Seconds(1));

  void SetServing(bool serving) ABSL_LOCKS_EXCLUDED(mutex_);

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  grpc::health::v1::HealthCheckResponse::ServingStatus StatusOf(const std::string& service) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);

  const std::set<std::string> services_;  // "" included
  const absl::Duration watch_slice_;
  mutable absl::Mutex mutex_;
  bool serving_ ABSL_GUARDED_BY(mutex_) = true;
  int64_t changes_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_HEALTH_SERVICE_H_
