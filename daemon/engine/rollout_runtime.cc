#include "daemon/engine/rollout_runtime.h"

#include <algorithm>
#include <span>

namespace kanarya::engine {
namespace {

absl::StatusOr<std::unique_ptr<analysis::AnalysisSession>> Rebuild(const v1::Rollout& rollout,
                                                                   const spec::RolloutPlan& plan,
                                                                   store::StateStore& store) {
  absl::StatusOr<std::vector<v1::Tick>> ticks =
      store.ListTicks(rollout.name(), rollout.status().attempt());
  if (!ticks.ok()) return ticks.status();
  // The history is stored first, with the preflight's outcome.
  const auto history_end = std::find_if(
      ticks->begin(), ticks->end(), [](const v1::Tick& tick) { return !tick.baseline_history(); });
  auto session = std::make_unique<analysis::AnalysisSession>(
      plan.analysis, std::span<const v1::Tick>(ticks->begin(), history_end));
  for (auto it = history_end; it != ticks->end(); ++it) {
    if (!it->baseline_history()) session->Observe(*it);
  }
  return session;
}

}  // namespace

absl::StatusOr<std::shared_ptr<RolloutRuntime>> LoadRuntimeWithoutAnalysis(
    const v1::Rollout& rollout) {
  auto runtime = std::make_shared<RolloutRuntime>();
  absl::StatusOr<spec::TickQueryPlan> queries = spec::TickQueryPlan::Make(rollout.spec());
  if (!queries.ok()) return queries.status();
  runtime->queries.emplace(*std::move(queries));
  runtime->plan = spec::MakeRolloutPlan(rollout.spec());
  runtime->rollout = rollout;
  return runtime;
}

absl::Status RebuildSession(RolloutRuntime& runtime, store::StateStore& store) {
  absl::StatusOr<std::unique_ptr<analysis::AnalysisSession>> session =
      Rebuild(runtime.rollout, runtime.plan, store);
  if (!session.ok()) return session.status();
  runtime.session = *std::move(session);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<RolloutRuntime>> LoadRuntime(const v1::Rollout& rollout,
                                                            store::StateStore& store) {
  absl::StatusOr<std::shared_ptr<RolloutRuntime>> runtime = LoadRuntimeWithoutAnalysis(rollout);
  if (!runtime.ok()) return runtime.status();
  if (absl::Status rebuilt = RebuildSession(**runtime, store); !rebuilt.ok()) return rebuilt;
  return runtime;
}

absl::StatusOr<v1::Rollout> ReloadRuntime(RolloutRuntime& runtime, store::StateStore& store) {
  absl::StatusOr<v1::Rollout> rollout = store.GetRollout(runtime.rollout.name());
  if (!rollout.ok()) return rollout.status();
  absl::StatusOr<std::unique_ptr<analysis::AnalysisSession>> session =
      Rebuild(*rollout, runtime.plan, store);
  if (!session.ok()) return session.status();
  runtime.session = *std::move(session);
  runtime.stale = false;
  return rollout;
}

}  // namespace kanarya::engine
