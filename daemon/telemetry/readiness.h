// Whether kanaryad can do its work: every named part (the store, each
// metric provider, the Kubernetes API) answers its check. Evaluate() runs
// every check and names each failing part with its reason, so /readyz and
// the gRPC health service report the same thing. The checks must be
// thread-safe; so is this class.
#ifndef KANARYA_DAEMON_TELEMETRY_READINESS_H_
#define KANARYA_DAEMON_TELEMETRY_READINESS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "daemon/metrics/metric_provider.h"
#include "daemon/store/state_store.h"

namespace kanarya::telemetry {

struct ReadinessCheck {
  std::string part;  // e.g. "store", "provider prometheus", "kubernetes"
  std::function<absl::Status()> check;
};

class Readiness {
 public:
  explicit Readiness(std::vector<ReadinessCheck> checks) : checks_(std::move(checks)) {}

  // OK, or Unavailable: "<part>: <reason>; <part>: <reason>" for each
  // failing part, in the order given.
  absl::Status Evaluate() const;

 private:
  const std::vector<ReadinessCheck> checks_;
};

// The store answers a read.
ReadinessCheck StoreCheck(store::StateStore& store);
// Each provider's Health(), as "provider NAME". The providers must outlive
// the checks.
std::vector<ReadinessCheck> ProviderChecks(
    const std::map<std::string, metrics::MetricProviderPtr>& providers);

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_READINESS_H_
