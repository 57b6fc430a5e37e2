#include "daemon/metrics/metric_provider_factory.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/metrics/loki_provider.h"
#include "daemon/metrics/prometheus_provider.h"

namespace kanarya::metrics {

absl::StatusOr<MetricProviderPtr> MakeMetricProvider(const ProviderConfig& config) {
  if (!absl::StartsWith(config.url, "http://") && !absl::StartsWith(config.url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("url: must start with http:// or https://, got \"", config.url, "\""));
  }
  if (config.type == "prometheus") {
    return std::make_unique<PrometheusProvider>(config.url, config.endpoint);
  }
  if (config.type == "loki") {
    return std::make_unique<LokiProvider>(config.url, config.tenant, config.endpoint);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("type: must be \"prometheus\" or \"loki\", got \"", config.type, "\""));
}

}  // namespace kanarya::metrics
