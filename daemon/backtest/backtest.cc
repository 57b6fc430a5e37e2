#include "daemon/backtest/backtest.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/backtest/backtest_report.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/virtual_clock.h"
#include "daemon/mesh/traffic_router.h"
#include "daemon/spec/rollout_plan.h"
#include "daemon/spec/rollout_validation.h"
#include "daemon/store/memory_state_store.h"

namespace kanarya::backtest {
namespace {

// A backtest moves no traffic: every write succeeds and the split is what the
// engine last asked for, so no drift is ever seen.
class VirtualRouter final : public mesh::TrafficRouter {
 public:
  absl::Status Verify() override { return absl::OkStatus(); }
  absl::StatusOr<mesh::TrafficSplit> Read() override { return split_; }
  absl::StatusOr<mesh::TrafficSplit> SetCanaryWeight(int canary_weight) override {
    split_ = {.stable_weight = 100 - canary_weight, .canary_weight = canary_weight};
    return split_;
  }
  absl::StatusOr<mesh::TrafficSplit> Rollback() override { return split_ = {}; }
  absl::StatusOr<mesh::TrafficSplit> PromoteCanary() override { return split_ = {}; }

 private:
  mesh::TrafficSplit split_;
};

// As the daemon runs it, but every action at its time (no pass spacing).
const engine::EngineOptions kEngineOptions{.pass_spacing = absl::ZeroDuration()};

std::string Format(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

absl::Status CheckRange(const BacktestOptions& options, absl::Duration tick_interval) {
  if (options.to <= options.from) {
    return absl::InvalidArgumentError(absl::StrCat("--to: must be later than --from (",
                                                   Format(options.to), " <= ", Format(options.from),
                                                   ")"));
  }
  if (options.to > options.now) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to: ", Format(options.to), " is in the future (now is ",
                     Format(options.now), "); the providers have no history of it"));
  }
  const int64_t ticks = (options.to - options.from) / tick_interval;
  if (ticks > options.max_ticks) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to: ", absl::FormatDuration(options.to - options.from), " from --from is ",
                     ticks, " ticks of ", absl::FormatDuration(tick_interval), ", more than the ",
                     options.max_ticks, " a backtest runs (at most ",
                     absl::FormatDuration(options.max_ticks * tick_interval), ")"));
  }
  return absl::OkStatus();
}

struct EngineRecord {
  v1::Rollout rollout;
  std::vector<v1::RolloutEvent> events;
  std::vector<v1::Tick> ticks;
};

// Approves the gate the rollout waits at, with as many distinct approvers as
// it needs.
absl::Status ApproveGate(engine::RolloutEngine& engine, const std::string& name, int& approvers) {
  for (int i = 0; i < 100; ++i) {
    v1::ApproveRolloutRequest request;
    request.set_name(name);
    request.set_reason("backtest: gates approved as they are reached (--approve_gates)");
    absl::StatusOr<v1::Rollout> approved =
        engine.Approve(request, {absl::StrCat("backtest-approver-", ++approvers), "approver"});
    if (!approved.ok()) return approved.status();
    if (approved->status().phase() != v1::PHASE_AWAITING_APPROVAL) return absl::OkStatus();
  }
  return absl::InternalError("the gate took more than 100 approvals");
}

// The engine on a virtual clock from options.from until the rollout is
// finished (its last traffic change done) or the next thing due is after
// options.to.
absl::StatusOr<EngineRecord> RunEngine(
    const v1::RolloutSpec& spec, const std::map<std::string, metrics::MetricProvider*>& providers,
    const BacktestOptions& options, int64_t max_passes) {
  engine::VirtualClock clock(options.from);
  store::MemoryStateStore store;
  engine::RolloutEngine engine(
      clock, store,
      [&providers](const std::string& provider) -> metrics::MetricProvider* {
        const auto it = providers.find(provider);
        return it == providers.end() ? nullptr : it->second;
      },
      [](const v1::Rollout&) -> absl::StatusOr<mesh::TrafficRouterPtr> {
        return std::make_unique<VirtualRouter>();
      },
      kEngineOptions);

  v1::CreateRolloutRequest create;
  *create.mutable_spec() = spec;
  create.set_reason("backtest");
  absl::StatusOr<v1::CreateRolloutResponse> created = engine.Create(create, {"backtest", ""});
  if (!created.ok()) return created.status();
  v1::GetRolloutRequest get;
  get.set_name(created->rollout().name());

  int approvers = 0;
  bool settled = false;
  for (int64_t pass = 0; pass < max_passes && !settled; ++pass) {
    const absl::Time next = engine.RunDue();
    absl::StatusOr<v1::GetRolloutResponse> current = engine.Get(get);
    if (!current.ok()) return current.status();
    const v1::RolloutStatus& status = current->rollout().status();
    const bool finished = engine::IsFinal(status.phase()) && status.intent_applied();
    if (!finished && options.approve_gates && status.phase() == v1::PHASE_AWAITING_APPROVAL) {
      if (absl::Status s = ApproveGate(engine, get.name(), approvers); !s.ok()) return s;
      continue;  // the approval acted at once: run what is due now
    }
    settled = finished || next > options.to;
    if (!settled) clock.AdvanceTo(next);
  }
  if (!settled) {
    return absl::InternalError(
        absl::StrCat("the engine did not finish the backtest within ", max_passes, " passes"));
  }

  EngineRecord record;
  absl::StatusOr<v1::GetRolloutResponse> final_state = engine.Get(get);
  if (!final_state.ok()) return final_state.status();
  record.rollout = final_state->rollout();
  for (int64_t after = 0;;) {
    absl::StatusOr<std::vector<v1::RolloutEvent>> page = store.ListEvents(get.name(), after, 1000);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    after = page->back().sequence();
    record.events.insert(record.events.end(), page->begin(), page->end());
  }
  absl::StatusOr<std::vector<v1::Tick>> ticks =
      store.ListTicks(get.name(), record.rollout.status().attempt());
  if (!ticks.ok()) return ticks.status();
  record.ticks = *std::move(ticks);
  return record;
}

}  // namespace

absl::StatusOr<v1::BacktestReport> RunBacktest(
    const v1::RolloutSpec& spec, const std::map<std::string, metrics::MetricProvider*>& providers,
    const BacktestOptions& options) {
  std::set<std::string> names;
  for (const auto& [name, provider] : providers) names.insert(name);
  if (absl::Status valid = spec::ValidateRolloutSpec(spec, names); !valid.ok()) return valid;
  const spec::RolloutPlan plan = spec::MakeRolloutPlan(spec);
  absl::StatusOr<spec::TickQueryPlan> queries = spec::TickQueryPlan::Make(spec);
  if (!queries.ok()) return queries.status();
  if (absl::Status range = CheckRange(options, plan.tick_interval); !range.ok()) return range;

  HistoryWindow window{.preflight = options.from,
                       .history_ticks = kEngineOptions.history_ticks,
                       .first_tick_end = options.from + plan.initial_delay + plan.tick_interval,
                       .last_tick_end = absl::InfinitePast()};
  if (window.first_tick_end <= options.to) {
    window.last_tick_end =
        window.first_tick_end +
        ((options.to - window.first_tick_end) / plan.tick_interval) * plan.tick_interval;
  }
  absl::StatusOr<HistoryRecording> recording =
      ReadHistory(*queries, window, providers, options.limits);
  if (!recording.ok()) return recording.status();
  std::map<std::string, metrics::MetricProvider*> recorded;
  for (const auto& [name, provider] : recording->providers) recorded[name] = provider.get();
  absl::StatusOr<v1::BacktestReport> report = RunOnVirtualClock(spec, recorded, options);
  if (report.ok()) report->set_queries_sent(recording->queries_sent);
  return report;
}

absl::StatusOr<v1::BacktestReport> RunOnVirtualClock(
    const v1::RolloutSpec& valid_spec,
    const std::map<std::string, metrics::MetricProvider*>& providers,
    const BacktestOptions& options) {
  const spec::RolloutPlan plan = spec::MakeRolloutPlan(valid_spec);
  // A pass per tick, and a few more per step (traffic changes, gates).
  const int64_t max_passes = (options.to - options.from) / plan.tick_interval +
                             8 * static_cast<int64_t>(plan.steps.size()) + 100;
  absl::StatusOr<EngineRecord> record = RunEngine(valid_spec, providers, options, max_passes);
  if (!record.ok()) return record.status();
  return MakeReport(record->rollout, plan, record->events, record->ticks, options.from, options.to);
}

}  // namespace kanarya::backtest
