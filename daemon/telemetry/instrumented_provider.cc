#include "daemon/telemetry/instrumented_provider.h"

#include <utility>

#include "absl/time/clock.h"

namespace kanarya::telemetry {

InstrumentedProvider::InstrumentedProvider(std::string name, metrics::MetricProviderPtr provider,
                                           DaemonMetrics& metrics)
    : name_(std::move(name)),
      provider_(std::move(provider)),
      metrics_(metrics),
      duration_(
          metrics.provider_query_duration.Add({{"provider", name_}}, ProviderQueryBuckets())) {}

std::vector<absl::StatusOr<metrics::QueryResult>> InstrumentedProvider::Run(
    std::span<const metrics::Query> queries) {
  const absl::Time start = absl::Now();
  std::vector<absl::StatusOr<metrics::QueryResult>> results = provider_->Run(queries);
  duration_.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  for (const absl::StatusOr<metrics::QueryResult>& result : results) {
    if (result.ok()) continue;
    metrics_.provider_errors.Add({{"provider", name_}, {"code", CodeLabel(result.status().code())}})
        .Increment();
  }
  return results;
}

std::map<std::string, metrics::MetricProviderPtr> Instrument(
    // NOLINTNEXTLINE(performance-unnecessary-value-param): each provider is moved out.
    std::map<std::string, metrics::MetricProviderPtr> providers, DaemonMetrics& metrics) {
  std::map<std::string, metrics::MetricProviderPtr> instrumented;
  for (auto& [name, provider] : providers) {
    instrumented[name] = std::make_unique<InstrumentedProvider>(name, std::move(provider), metrics);
  }
  return instrumented;
}

}  // namespace kanarya::telemetry
