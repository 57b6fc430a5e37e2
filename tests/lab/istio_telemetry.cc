#include "tests/lab/istio_telemetry.h"

#include <prometheus/text_serializer.h>

#include "absl/strings/str_cat.h"

namespace kanarya::lab {

IstioTelemetry::IstioTelemetry()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("istio_requests_total")
                    .Help("Requests served, as counted by the destination's sidecar")
                    .Register(*registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("istio_request_duration_milliseconds")
                     .Help("Request durations in milliseconds, at the destination's sidecar")
                     .Register(*registry_)) {}

const std::vector<double>& IstioTelemetry::DurationBuckets() {
  static const std::vector<double>* const kBuckets = new std::vector<double>{
      0.5,  1,    5,     10,    25,    50,     100,    250,     500,    1000,
      2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};
  return *kBuckets;
}

void IstioTelemetry::Record(const LabService& service, const std::string& version,
                            int response_code, double duration_ms) {
  absl::MutexLock lock(&mutex_);
  const Key key{service.namespace_name, service.name, version, response_code};
  auto it = series_.find(key);
  if (it == series_.end()) {
    const std::string workload = service.workload(version);
    const prometheus::Labels labels = {
        {"reporter", "destination"},
        {"source_workload", service.source_workload},
        {"source_workload_namespace", service.source_namespace},
        {"destination_workload", workload},
        {"destination_workload_namespace", service.namespace_name},
        {"destination_app", service.name},
        {"destination_version", version},
        {"destination_service", service.host()},
        {"destination_service_name", service.name},
        {"destination_service_namespace", service.namespace_name},
        {"destination_canonical_service", service.name},
        {"destination_canonical_revision", version},
        {"response_code", absl::StrCat(response_code)},
        {"response_flags", "-"},
        {"request_protocol", "http"},
        {"connection_security_policy", "mutual_tls"},
    };
    it = series_
             .emplace(key,
                      Series{&requests_.Add(labels), &durations_.Add(labels, DurationBuckets())})
             .first;
  }
  it->second.requests->Increment();
  it->second.duration->Observe(duration_ms);
}

std::string IstioTelemetry::Exposition() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace kanarya::lab
