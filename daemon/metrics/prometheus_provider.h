// MetricProvider for the Prometheus HTTP API: POST /api/v1/query and
// /api/v1/query_range (form-encoded, so long queries fit), the step widened
// when needed to stay within Prometheus' 11,000 points per series, health from
// /-/ready. Thread-safe.
#ifndef KANARYA_DAEMON_METRICS_PROMETHEUS_PROVIDER_H_
#define KANARYA_DAEMON_METRICS_PROMETHEUS_PROVIDER_H_

#include <string>

#include "daemon/http/http_client.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::metrics {

class PrometheusProvider final : public MetricProvider {
 public:
  // base_url: e.g. "http://prometheus.monitoring:9090" (no trailing slash needed).
  PrometheusProvider(const std::string& base_url, http::EndpointConfig endpoint);

  std::vector<absl::StatusOr<QueryResult>> Run(std::span<const Query> queries) override;
  absl::Status Health() override;
  using MetricProvider::Run;

  // The step a range query is sent with: the requested one, widened so the
  // range has at most 11,000 points.
  static absl::Duration EffectiveStep(const Query& query);

 private:
  // Constant after construction.
  const std::string base_url_;
  http::HttpClient http_;
};

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_PROMETHEUS_PROVIDER_H_
