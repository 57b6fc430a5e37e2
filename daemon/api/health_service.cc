#include "daemon/api/health_service.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/call_context.h"
#include "daemon/api/status_mapping.h"

namespace kanarya::api {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

namespace {

struct ChangeWait {
  const int64_t* changes;
  int64_t seen;
};

bool HasChanged(ChangeWait* wait) { return *wait->changes != wait->seen; }

}  // namespace

HealthService::HealthService(std::set<std::string> services, absl::Duration watch_slice)
    : services_([&] {
        services.insert("");
        return std::move(services);
      }()),
      watch_slice_(watch_slice) {}

void HealthService::SetServing(bool serving) {
  absl::MutexLock lock(&mutex_);
  if (serving_ == serving) return;
  serving_ = serving;
  ++changes_;
}

HealthCheckResponse::ServingStatus HealthService::StatusOf(const std::string& service) const {
  if (!services_.contains(service)) return HealthCheckResponse::SERVICE_UNKNOWN;
  return serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext* context, const HealthCheckRequest* request,
                                  HealthCheckResponse* response) {
  if (absl::Status alive = CheckCallAlive(*context); !alive.ok()) return ToGrpcStatus(alive);
  absl::ReaderMutexLock lock(&mutex_);
  const HealthCheckResponse::ServingStatus status = StatusOf(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("service: unknown service \"", request->service(), "\"")));
  }
  response->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* context, const HealthCheckRequest* request,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  int64_t sent_changes = -1;
  while (!context->IsCancelled()) {
    HealthCheckResponse response;
    {
      absl::MutexLock lock(&mutex_);
      ChangeWait wait{&changes_, sent_changes};
      mutex_.AwaitWithTimeout(absl::Condition(&HasChanged, &wait), watch_slice_);
      if (changes_ == sent_changes) continue;
      sent_changes = changes_;
      response.set_status(StatusOf(request->service()));
    }
    if (!writer->Write(response)) break;
  }
  return grpc::Status::CANCELLED;
}

}  // namespace kanarya::api
