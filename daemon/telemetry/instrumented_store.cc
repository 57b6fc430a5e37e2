#include "daemon/telemetry/instrumented_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_machine.h"
#include "daemon/telemetry/log.h"

namespace kanarya::telemetry {
namespace {

// When the rollout's current attempt started: its first traffic move, or
// its creation when it never moved traffic (a failed preflight).
absl::Time StartOf(const v1::Rollout& rollout) {
  return rollout.status().has_start_time() ? engine::FromProto(rollout.status().start_time())
                                           : engine::FromProto(rollout.create_time());
}

// When the step on which a rollback was decided started (a rollback keeps
// the step), or the attempt's start for one decided before the first step.
absl::Time StepStartOf(const v1::Rollout& rollout) {
  return rollout.status().has_step_start_time()
             ? engine::FromProto(rollout.status().step_start_time())
             : StartOf(rollout);
}

absl::Duration NonNegative(absl::Duration duration) {
  return std::max(absl::ZeroDuration(), duration);
}

}  // namespace

absl::StatusOr<int64_t> InstrumentedStore::Commit(const store::Mutation& mutation,
                                                  bool new_rollout) {
  const absl::Time start = absl::Now();
  absl::StatusOr<int64_t> committed = store_.Commit(mutation, new_rollout);
  metrics_.store_commit_duration.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  if (committed.ok()) Observe(mutation);
  return committed;
}

absl::StatusOr<std::vector<int64_t>> InstrumentedStore::CommitBatch(
    std::span<const store::Mutation> updates) {
  if (updates.empty()) return store_.CommitBatch(updates);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<int64_t>> committed = store_.CommitBatch(updates);
  metrics_.store_commit_duration.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  if (committed.ok()) {
    for (const store::Mutation& mutation : updates) Observe(mutation);
  }
  return committed;
}

void InstrumentedStore::Observe(const store::Mutation& mutation) {
  const v1::Rollout& rollout = mutation.rollout;
  const LogFields fields = {{"rollout", rollout.name()},
                            {"namespace", rollout.spec().target().namespace_()}};
  for (const v1::RolloutEvent& event : mutation.events) {
    if (event.type() == v1::EVENT_TYPE_WARNING) {
      Log(LogLevel::kWarning, event.message(), fields);
      continue;
    }
    if (event.type() != v1::EVENT_TYPE_PHASE_CHANGED) continue;
    Log(LogLevel::kInfo,
        absl::StrCat("phase ", PhaseLabel(event.phase_before()), " -> ",
                     PhaseLabel(event.phase_after()), ": ", event.message()),
        fields);
    if (!engine::IsFinal(event.phase_after()) || engine::IsFinal(event.phase_before())) continue;
    metrics_.decisions.Add({{"outcome", PhaseLabel(event.phase_after())}}).Increment();
    const absl::Time decided = event.has_time() ? engine::FromProto(event.time()) : absl::Now();
    metrics_.TimeToDecision(event.phase_after())
        .Observe(absl::ToDoubleSeconds(NonNegative(decided - StartOf(rollout))));
    // ROLLED_BACK is entered when the router confirmed the stable subset's
    // 100 % (an operator's abort ends in ABORTED and is no failed change).
    if (event.phase_after() == v1::PHASE_ROLLED_BACK) {
      metrics_.time_to_rollback.Observe(
          absl::ToDoubleSeconds(NonNegative(decided - StepStartOf(rollout))));
    }
  }
}

}  // namespace kanarya::telemetry
