#include "daemon/telemetry/rollout_collector.h"

#include <map>
#include <string>

#include "daemon/engine/rollout_machine.h"
#include "daemon/telemetry/daemon_metrics.h"

namespace kanarya::telemetry {
namespace {

// Every stored rollout, a page (the store's maximum) at a time.
absl::StatusOr<std::vector<v1::Rollout>> ListAll(store::StateStore& store) {
  std::vector<v1::Rollout> all;
  store::RolloutFilter filter;
  filter.limit = 1000;
  while (true) {
    absl::StatusOr<std::vector<v1::Rollout>> page = store.ListRollouts(filter);
    if (!page.ok()) return page.status();
    all.insert(all.end(), page->begin(), page->end());
    if (static_cast<int>(page->size()) < filter.limit) return all;
    filter.after_name = page->back().name();
  }
}

prometheus::ClientMetric GaugeOf(double value,
                                 std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> RolloutCollector::Collect() const {
  absl::StatusOr<std::vector<v1::Rollout>> rollouts = ListAll(store_);
  if (!rollouts.ok()) return {};

  std::map<v1::Phase, int> by_phase;
  for (int phase = v1::Phase_MIN; phase <= v1::Phase_MAX; ++phase) {
    if (v1::Phase_IsValid(phase) && phase != v1::PHASE_UNSPECIFIED) {
      by_phase[static_cast<v1::Phase>(phase)] = 0;
    }
  }
  prometheus::MetricFamily weights{
      "kanarya_rollout_canary_weight",
      "Intended canary traffic weight (percent) of each rollout not in a final phase.",
      prometheus::MetricType::Gauge,
      {}};
  for (const v1::Rollout& rollout : *rollouts) {
    ++by_phase[rollout.status().phase()];
    if (engine::IsFinal(rollout.status().phase())) continue;
    weights.metric.push_back(GaugeOf(
        rollout.status().canary_weight(),
        {{"namespace", rollout.spec().target().namespace_()}, {"rollout", rollout.name()}}));
  }

  prometheus::MetricFamily phases{
      "kanarya_rollouts", "Stored rollouts by phase.", prometheus::MetricType::Gauge, {}};
  for (const auto& [phase, count] : by_phase) {
    phases.metric.push_back(GaugeOf(count, {{"phase", PhaseLabel(phase)}}));
  }
  return {std::move(phases), std::move(weights)};
}

}  // namespace kanarya::telemetry
