// What the engine keeps in memory for one rollout that is not finished: the
// stored rollout, its plan and compiled queries, the analysis rebuilt from
// the stored ticks of the current attempt (its baseline history first; after
// a restart, only when the rollout next ticks), and its traffic router.
// Thread safety: `op` serializes every change and every I/O of the rollout;
// `rollout` is written holding both `op` and the engine's mutex, so either
// suffices to read it. The rest is guarded by `op`.
#ifndef KANARYA_DAEMON_ENGINE_ROLLOUT_RUNTIME_H_
#define KANARYA_DAEMON_ENGINE_ROLLOUT_RUNTIME_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "analysis/analysis_session.h"
#include "daemon/mesh/traffic_router.h"
#include "daemon/spec/rollout_plan.h"
#include "daemon/spec/tick_queries.h"
#include "daemon/store/state_store.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::engine {

struct RolloutRuntime {
  absl::Mutex op;
  v1::Rollout rollout;
  spec::RolloutPlan plan;
  std::optional<spec::TickQueryPlan> queries;
  std::unique_ptr<analysis::AnalysisSession> session;  // null until rebuilt after a restart
  mesh::TrafficRouterPtr router;  // made on first use; remade to re-assert an intent
  // The analysis may hold a tick whose commit failed: reload before use.
  bool stale = false;
  absl::Time retry_at = absl::InfinitePast();  // a failed router call or preflight
  int preflight_failures = 0;
  // Recovered with its intent applied: the intent is re-asserted through a
  // fresh router in the rollout's first pass, before anything else it does
  // (or by the first router call made for it, whichever comes first).
  bool reconcile = false;
};

// The plan and queries of a stored rollout (InvalidArgument when its spec
// no longer compiles) and its analysis rebuilt from the stored ticks.
absl::StatusOr<std::shared_ptr<RolloutRuntime>> LoadRuntime(const v1::Rollout& rollout,
                                                            store::StateStore& store);
// The same without the analysis (session null): RebuildSession makes it
// when it is needed. Replaying every stored tick of a thousand rollouts is
// most of a restart's work.
absl::StatusOr<std::shared_ptr<RolloutRuntime>> LoadRuntimeWithoutAnalysis(
    const v1::Rollout& rollout);
// The analysis of the runtime's rollout, replayed from the stored ticks of
// its current attempt.
absl::Status RebuildSession(RolloutRuntime& runtime, store::StateStore& store);
// Rebuilds the analysis from the store and returns the stored rollout, for
// the caller to publish.
absl::StatusOr<v1::Rollout> ReloadRuntime(RolloutRuntime& runtime, store::StateStore& store);

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_ROLLOUT_RUNTIME_H_
