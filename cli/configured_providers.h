// The metric providers of kanaryad's configuration file, built as kanaryad
// builds them, for the commands that query providers without a daemon
// (`check`, `replay --spec`). Errors name the flag and the field
// ("--config: providers.prom.url: ..."). Thread-compatible.
#ifndef KANARYA_CLI_CONFIGURED_PROVIDERS_H_
#define KANARYA_CLI_CONFIGURED_PROVIDERS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::cli {

using ProviderMap = std::map<std::string, metrics::MetricProviderPtr>;

// InvalidArgument "--config: ..." when the file cannot be read or is invalid.
absl::StatusOr<ProviderMap> LoadConfiguredProviders(const std::string& config_path);

// The providers by name, still owned by `providers`.
std::map<std::string, metrics::MetricProvider*> Borrow(const ProviderMap& providers);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_CONFIGURED_PROVIDERS_H_
