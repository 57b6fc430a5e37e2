#include "cli/configured_providers.h"

#include "absl/strings/str_cat.h"
#include "daemon/config/daemon_config.h"

namespace kanarya::cli {

absl::StatusOr<ProviderMap> LoadConfiguredProviders(const std::string& config_path) {
  absl::StatusOr<config::DaemonConfig> daemon_config = config::LoadDaemonConfig(config_path);
  absl::StatusOr<ProviderMap> providers = daemon_config.ok()
                                              ? config::MakeProviders(*daemon_config)
                                              : absl::StatusOr<ProviderMap>(daemon_config.status());
  if (!providers.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--config: ", providers.status().message()));
  }
  return providers;
}

std::map<std::string, metrics::MetricProvider*> Borrow(const ProviderMap& providers) {
  std::map<std::string, metrics::MetricProvider*> borrowed;
  for (const auto& [name, provider] : providers) borrowed[name] = provider.get();
  return borrowed;
}

}  // namespace kanarya::cli
