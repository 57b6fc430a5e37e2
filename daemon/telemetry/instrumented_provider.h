// A MetricProvider decorator that records into DaemonMetrics: the wall time
// of every Run (one batch of concurrent queries) under
// kanarya_provider_query_duration_seconds{provider}, and each failed query
// under kanarya_provider_errors_total{provider,code}. Answers pass through
// unchanged. Owns the wrapped provider; thread-safe as the wrapped one is.
#ifndef KANARYA_DAEMON_TELEMETRY_INSTRUMENTED_PROVIDER_H_
#define KANARYA_DAEMON_TELEMETRY_INSTRUMENTED_PROVIDER_H_

#include <map>
#include <string>

#include "daemon/metrics/metric_provider.h"
#include "daemon/telemetry/daemon_metrics.h"

namespace kanarya::telemetry {

class InstrumentedProvider final : public metrics::MetricProvider {
 public:
  InstrumentedProvider(std::string name, metrics::MetricProviderPtr provider,
                       DaemonMetrics& metrics);

  std::vector<absl::StatusOr<metrics::QueryResult>> Run(
      std::span<const metrics::Query> queries) override;
  absl::Status Health() override { return provider_->Health(); }

 private:
  const std::string name_;
  const metrics::MetricProviderPtr provider_;
  DaemonMetrics& metrics_;
  prometheus::Histogram& duration_;
};

// Every provider of `providers` wrapped, under its configured name.
std::map<std::string, metrics::MetricProviderPtr> Instrument(
    std::map<std::string, metrics::MetricProviderPtr> providers, DaemonMetrics& metrics);

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_INSTRUMENTED_PROVIDER_H_
