// Test equipment: Istio's standard request telemetry as a destination sidecar
// reports it (reporter="destination"), kept with prometheus-cpp:
// istio_requests_total and the istio_request_duration_milliseconds histogram
// on Envoy's default buckets, with Istio's labels. Thread-safe; never product
// code.
#ifndef KANARYA_TESTS_LAB_ISTIO_TELEMETRY_H_
#define KANARYA_TESTS_LAB_ISTIO_TELEMETRY_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tests/lab/lab_services.h"

namespace kanarya::lab {

class IstioTelemetry {
 public:
  IstioTelemetry();

  // One request to `service` served by its `version`.
  void Record(const LabService& service, const std::string& version, int response_code,
              double duration_ms) ABSL_LOCKS_EXCLUDED(mutex_);
  // Every series in Prometheus' text exposition format (version 0.0.4).
  std::string Exposition() const;

  // The duration histogram's bucket bounds in milliseconds: Envoy's default
  // histogram buckets, which Istio's duration metric uses unless configured
  // otherwise.
  static const std::vector<double>& DurationBuckets();

 private:
  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
  };
  // namespace, service, version, response code
  using Key = std::tuple<std::string, std::string, std::string, int>;

  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  absl::Mutex mutex_;
  std::map<Key, Series> series_ ABSL_GUARDED_BY(mutex_);  // owned by the families
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_ISTIO_TELEMETRY_H_
