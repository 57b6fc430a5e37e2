// Builds the MetricProvider a spec names. One switch; providers stay behind
// the MetricProvider interface everywhere else.
#ifndef KANARYA_DAEMON_METRICS_METRIC_PROVIDER_FACTORY_H_
#define KANARYA_DAEMON_METRICS_METRIC_PROVIDER_FACTORY_H_

#include <string>

#include "absl/status/statusor.h"
#include "daemon/http/http_client.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::metrics {

struct ProviderConfig {
  std::string type;    // "prometheus" or "loki"
  std::string url;     // http:// or https:// base URL
  std::string tenant;  // Loki's X-Scope-OrgID; empty for none
  http::EndpointConfig endpoint;
};

// InvalidArgument naming the field for an unknown type or a URL that is not
// http(s).
absl::StatusOr<MetricProviderPtr> MakeMetricProvider(const ProviderConfig& config);

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_METRIC_PROVIDER_FACTORY_H_
