#include "daemon/telemetry/readiness.h"

#include "absl/strings/str_cat.h"

namespace kanarya::telemetry {

absl::Status Readiness::Evaluate() const {
  std::string failures;
  for (const ReadinessCheck& check : checks_) {
    const absl::Status status = check.check();
    if (status.ok()) continue;
    absl::StrAppend(&failures, failures.empty() ? "" : "; ", check.part, ": ", status.message());
  }
  return failures.empty() ? absl::OkStatus() : absl::UnavailableError(failures);
}

ReadinessCheck StoreCheck(store::StateStore& store) {
  return {"store", [&store] {
            store::RolloutFilter filter;
            filter.limit = 1;
            return store.ListRollouts(filter).status();
          }};
}

std::vector<ReadinessCheck> ProviderChecks(
    const std::map<std::string, metrics::MetricProviderPtr>& providers) {
  std::vector<ReadinessCheck> checks;
  for (const auto& [name, provider] : providers) {
    metrics::MetricProvider* checked = provider.get();
    checks.push_back({absl::StrCat("provider ", name), [checked] { return checked->Health(); }});
  }
  return checks;
}

}  // namespace kanarya::telemetry
