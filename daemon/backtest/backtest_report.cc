#include "daemon/backtest/backtest_report.h"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_machine.h"

namespace kanarya::backtest {
namespace {

using engine::FromProto;
using engine::ToProto;

v1::BacktestOutcome OutcomeOf(v1::Phase phase) {
  switch (phase) {
    case v1::PHASE_SUCCEEDED:
      return v1::BACKTEST_OUTCOME_PROMOTED;
    case v1::PHASE_ROLLED_BACK:
    case v1::PHASE_ABORTED:
      return v1::BACKTEST_OUTCOME_ROLLED_BACK;
    case v1::PHASE_FAILED:
      return v1::BACKTEST_OUTCOME_FAILED;
    default:
      return v1::BACKTEST_OUTCOME_RUNNING;
  }
}

// When the rollout took the way to its final phase: the decision to roll
// back or promote, not the traffic change that followed it.
absl::Time DecisionTime(const v1::Rollout& rollout, std::span<const v1::RolloutEvent> events) {
  const v1::Phase phase = rollout.status().phase();
  const v1::Phase way = phase == v1::PHASE_SUCCEEDED ? v1::PHASE_PROMOTING : v1::PHASE_ROLLING_BACK;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->type() == v1::EVENT_TYPE_PHASE_CHANGED && it->phase_after() == way) {
      return FromProto(it->time());
    }
  }
  return FromProto(rollout.status().phase_time());
}

google::protobuf::Duration DurationProto(absl::Duration duration) {
  absl::Duration nanos;
  google::protobuf::Duration proto;
  proto.set_seconds(absl::IDivDuration(duration, absl::Seconds(1), &nanos));
  proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(nanos)));
  return proto;
}

bool HasGuardrail(const v1::MetricSpec& metric) {
  return metric.has_guardrail() && (metric.guardrail().has_min() || metric.guardrail().has_max());
}

// The metrics behind a rollback or pause, in the spec's order: a regression
// at the last analysed tick, or a policy past its limit.
std::vector<std::string> Culprits(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                                  std::span<const v1::RolloutEvent> events) {
  std::set<std::string> regressed;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->type() != v1::EVENT_TYPE_ANALYSIS) continue;
    if (it->decision() == v1::DECISION_ROLLBACK) {
      for (const v1::SequentialMetricResult& metric : it->metrics()) {
        if (metric.state() == v1::METRIC_STATE_REGRESSION) regressed.insert(metric.name());
      }
    }
    break;
  }
  const auto& policies = rollout.status().metric_policies();
  std::vector<std::string> culprits;
  for (int i = 0; i < plan.analysis.metrics_size(); ++i) {
    const v1::MetricSpec& metric = plan.analysis.metrics(i);
    bool failed = regressed.contains(metric.name());
    if (i < policies.size()) {
      const v1::MetricPolicyState& state = policies[i];
      failed =
          failed || state.no_data_ticks() > plan.no_data_limit ||
          state.error_ticks() > plan.query_error_limit ||
          (HasGuardrail(metric) && state.guardrail_breaches() > metric.guardrail().failure_limit());
    }
    if (failed) culprits.push_back(metric.name());
  }
  return culprits;
}

}  // namespace

v1::BacktestReport MakeReport(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                              std::span<const v1::RolloutEvent> events,
                              std::span<const v1::Tick> ticks, absl::Time from, absl::Time to) {
  v1::BacktestReport report;
  report.set_note(kBacktestNote);
  const v1::RolloutSpec& spec = rollout.spec();
  report.set_namespace_(spec.target().namespace_());
  report.set_virtual_service(spec.target().virtual_service());
  report.set_revision(spec.revision());
  *report.mutable_from_time() = ToProto(from);
  *report.mutable_to_time() = ToProto(to);
  *report.mutable_tick_interval() = DurationProto(plan.tick_interval);

  const v1::RolloutStatus& status = rollout.status();
  report.set_outcome(OutcomeOf(status.phase()));
  *report.mutable_outcome_time() = ToProto(
      report.outcome() == v1::BACKTEST_OUTCOME_RUNNING ? to : DecisionTime(rollout, events));
  report.set_phase(status.phase());
  report.set_reason(status.reason());
  if (report.outcome() != v1::BACKTEST_OUTCOME_PROMOTED &&
      report.outcome() != v1::BACKTEST_OUTCOME_FAILED) {
    for (std::string& culprit : Culprits(rollout, plan, events)) {
      report.add_metrics(std::move(culprit));
    }
  }

  std::map<std::pair<int64_t, int32_t>, const v1::Tick*> observed;
  for (const v1::Tick& tick : ticks) {
    if (!tick.baseline_history()) observed[{tick.time().seconds(), tick.time().nanos()}] = &tick;
  }
  for (const v1::RolloutEvent& event : events) {
    if (event.type() != v1::EVENT_TYPE_ANALYSIS) {
      *report.add_events() = event;
      continue;
    }
    v1::BacktestTick& row = *report.add_ticks();
    *row.mutable_time() = event.time();
    row.set_step_index(event.step_index());
    row.set_canary_weight(event.canary_weight());
    row.set_phase(event.phase_after());
    row.set_decision(event.decision());
    *row.mutable_metrics() = event.metrics();
    row.set_message(event.message());
    const auto tick = observed.find({event.time().seconds(), event.time().nanos()});
    if (tick != observed.end()) *row.mutable_observations() = tick->second->metrics();
  }
  return report;
}

}  // namespace kanarya::backtest
