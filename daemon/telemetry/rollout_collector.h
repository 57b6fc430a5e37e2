// Read at scrape time from the state store: kanarya_rollouts{phase} (stored
// rollouts per phase, every phase present, 0 included) and, for the rollouts
// not in a final phase only (so the series of a finished rollout disappear),
// kanarya_rollout_canary_weight, kanarya_rollout_last_progress_timestamp_seconds
// and each analysed metric's kanarya_metric_evidence, kanarya_metric_effect
// and kanarya_metric_state, from the status the engine last stored. When the
// store cannot be read every family is left out of that scrape (the /readyz
// check names the store). Does not own the store; thread-safe.
#ifndef KANARYA_DAEMON_TELEMETRY_ROLLOUT_COLLECTOR_H_
#define KANARYA_DAEMON_TELEMETRY_ROLLOUT_COLLECTOR_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "daemon/store/state_store.h"

namespace kanarya::telemetry {

class RolloutCollector final : public prometheus::Collectable {
 public:
  explicit RolloutCollector(store::StateStore& store) : store_(store) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::StateStore& store_;
};

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_ROLLOUT_COLLECTOR_H_
