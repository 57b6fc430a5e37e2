#include "daemon/telemetry/rollout_collector.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_machine.h"
#include "daemon/telemetry/daemon_metrics.h"

namespace kanarya::telemetry {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

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

prometheus::ClientMetric GaugeOf(double value, Labels labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

prometheus::MetricFamily GaugeFamily(const char* name, const char* help) {
  return {name, help, prometheus::MetricType::Gauge, {}};
}

// The state label of a metric state: "regression", "within_tolerance",
// "undecided", "no_data"; null for a state not set (no tick analysed it),
// which no series claims.
const char* StateLabel(v1::MetricState state) {
  switch (state) {
    case v1::METRIC_STATE_REGRESSION:
      return "regression";
    case v1::METRIC_STATE_WITHIN_TOLERANCE:
      return "within_tolerance";
    case v1::METRIC_STATE_UNDECIDED:
      return "undecided";
    case v1::METRIC_STATE_NODATA:
      return "no_data";
    default:
      return nullptr;
  }
}

// The families of an unfinished rollout's analysed metrics.
struct MetricFamilies {
  prometheus::MetricFamily evidence = GaugeFamily(
      "kanarya_metric_evidence",
      "Each analysed metric's regression evidence (an e-value) at the rollout's last tick.");
  prometheus::MetricFamily effect =
      GaugeFamily("kanarya_metric_effect",
                  "Each analysed metric's effect estimate and its confidence sequence (bound).");
  prometheus::MetricFamily state = GaugeFamily(
      "kanarya_metric_state", "1 for each analysed metric's current state, 0 for the others.");

  void Add(const Labels& rollout, const v1::SequentialMetricResult& result) {
    Labels labels = rollout;
    labels.push_back({"metric", result.name()});
    evidence.metric.push_back(GaugeOf(result.regression_evidence(), labels));
    for (const auto& [bound, value] : {std::pair{"estimate", result.estimate()},
                                       {"lower", result.cs_lower()},
                                       {"upper", result.cs_upper()}}) {
      Labels with_bound = labels;
      with_bound.push_back({"bound", bound});
      effect.metric.push_back(GaugeOf(value, std::move(with_bound)));
    }
    const char* current = StateLabel(result.state());
    if (current == nullptr) return;
    for (const char* each : {"regression", "within_tolerance", "undecided", "no_data"}) {
      Labels with_state = labels;
      with_state.push_back({"state", each});
      state.metric.push_back(GaugeOf(std::string_view(each) == current ? 1 : 0, with_state));
    }
  }
};

// When the rollout last moved a step or changed phase.
double LastProgressSeconds(const v1::RolloutStatus& status) {
  absl::Time last = engine::FromProto(status.phase_time());
  if (status.has_step_start_time()) {
    last = std::max(last, engine::FromProto(status.step_start_time()));
  }
  return absl::ToDoubleSeconds(last - absl::UnixEpoch());
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
  prometheus::MetricFamily weights =
      GaugeFamily("kanarya_rollout_canary_weight",
                  "Intended canary traffic weight (percent) of each rollout not in a final phase.");
  prometheus::MetricFamily progress =
      GaugeFamily("kanarya_rollout_last_progress_timestamp_seconds",
                  "Unix time of the last step or phase change of each rollout not in a final "
                  "phase, labelled with its current phase.");
  MetricFamilies metrics;
  for (const v1::Rollout& rollout : *rollouts) {
    const v1::RolloutStatus& status = rollout.status();
    ++by_phase[status.phase()];
    if (engine::IsFinal(status.phase())) continue;
    const Labels labels = {{"namespace", rollout.spec().target().namespace_()},
                           {"rollout", rollout.name()}};
    weights.metric.push_back(GaugeOf(status.canary_weight(), labels));
    Labels with_phase = labels;
    with_phase.push_back({"phase", PhaseLabel(status.phase())});
    progress.metric.push_back(GaugeOf(LastProgressSeconds(status), std::move(with_phase)));
    for (const v1::SequentialMetricResult& result : status.metrics()) metrics.Add(labels, result);
  }

  prometheus::MetricFamily phases = GaugeFamily("kanarya_rollouts", "Stored rollouts by phase.");
  for (const auto& [phase, count] : by_phase) {
    phases.metric.push_back(GaugeOf(count, {{"phase", PhaseLabel(phase)}}));
  }
  return {std::move(phases),           std::move(weights),        std::move(progress),
          std::move(metrics.evidence), std::move(metrics.effect), std::move(metrics.state)};
}

}  // namespace kanarya::telemetry
