#include "daemon/telemetry/grpc_metrics_interceptor.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kanarya::telemetry {
namespace {

using grpc::experimental::InterceptionHookPoints;

class GrpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  GrpcMetricsInterceptor(std::string method, DaemonMetrics& metrics)
      : method_(std::move(method)), metrics_(metrics), start_(absl::Now()) {}

  ~GrpcMetricsInterceptor() override {
    if (!recorded_) Record(absl::StatusCode::kCancelled);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      // grpc::StatusCode and absl::StatusCode share their numbering.
      Record(static_cast<absl::StatusCode>(methods->GetSendStatus().error_code()));
    }
    methods->Proceed();
  }

 private:
  void Record(absl::StatusCode code) {
    recorded_ = true;
    metrics_.grpc_requests.Add({{"method", method_}, {"code", CodeLabel(code)}}).Increment();
    metrics_.grpc_duration.Add({{"method", method_}}, GrpcBuckets())
        .Observe(absl::ToDoubleSeconds(absl::Now() - start_));
  }

  const std::string method_;
  DaemonMetrics& metrics_;
  const absl::Time start_;
  bool recorded_ = false;
};

}  // namespace

GrpcMetricsInterceptorFactory::GrpcMetricsInterceptorFactory(
    const std::vector<std::string>& services, DaemonMetrics& metrics)
    : metrics_(metrics) {
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods_.insert(absl::StrCat("/", name, "/", service->method(i)->name()));
    }
  }
}

grpc::experimental::Interceptor* GrpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const char* method = info->method();
  const bool known = method != nullptr && methods_.contains(method);
  return new GrpcMetricsInterceptor(known ? method : "other", metrics_);
}

}  // namespace kanarya::telemetry
