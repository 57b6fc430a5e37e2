// The rollout engine: every rollout's state machine driven by timers on one
// runner thread (RunDue), operated through the RolloutController API from any
// thread. Write-ahead: each decision and intended weight is committed to the
// StateStore before the traffic router is asked to act, and its outcome after;
// Recover() rebuilds every unfinished rollout from the store (its analysis
// from the stored ticks) and reconciles the traffic to the stored intent
// before the rollout acts again.
// Thread-safe. The engine lock is never held across store, provider or router
// I/O: each rollout has its own lock for that, so Get stays fast while ticks
// run. A pass's router calls, and the preparation of recovered rollouts, run
// on worker threads the engine starts and joins. The clock, store, providers
// and routers must outlive the engine, and be thread-safe.
#ifndef KANARYA_DAEMON_ENGINE_ROLLOUT_ENGINE_H_
#define KANARYA_DAEMON_ENGINE_ROLLOUT_ENGINE_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/engine/clock.h"
#include "daemon/engine/hook_gates.h"
#include "daemon/engine/rollout_controller.h"
#include "daemon/engine/rollout_machine.h"
#include "daemon/engine/rollout_runtime.h"
#include "daemon/mesh/traffic_router.h"
#include "daemon/metrics/metric_provider.h"
#include "daemon/store/state_store.h"

namespace kanarya::engine {

// The provider a metric names, or nullptr when none is configured.
using ProviderLookup = std::function<metrics::MetricProvider*(const std::string&)>;
// A router for the rollout's target.
using RouterFactory = std::function<absl::StatusOr<mesh::TrafficRouterPtr>(const v1::Rollout&)>;

struct EngineOptions {
  // RunDue returns no earlier than this after its pass began (unless more is
  // due already), so the ticks that fall due meanwhile share the next pass
  // and its batch commits instead of costing a sync to disk each. Ticks then
  // run up to this late; their windows do not move. Zero: every action at
  // its time (tests, backtests).
  absl::Duration pass_spacing = absl::ZeroDuration();
  // Ticks of the baseline's history read at preflight (the continuous
  // metrics' per-tick values up to the preflight, docs/sequential.md): the
  // analysis learns their persistence from it. 0: none read.
  int history_ticks = 120;
  // Each rollout's ticks are offset from its preflight by a share of the
  // tick interval derived from its name (so the same after a restart): a
  // thousand rollouts created together then tick spread over the interval
  // instead of all in one pass.
  bool spread_ticks = false;
  // At most this many queries go out in one pass (0: no limit). The ticks
  // that do not fit (the latest due, preflights after ticks) run in the next
  // pass, at once. Every query of a batch counts its wait for a connection
  // against its timeout, so a pass must not ask a provider for more than it
  // answers within that; their windows do not move.
  int max_queries_per_pass = 0;
  // Router calls of one pass, the target checks of its preflights and the
  // reconciliation at recovery run on up to this many threads at once: each
  // is a few round trips to the Kubernetes API.
  int router_threads = 16;
  // Told, on the runner thread, of each tick analysed: the real time from
  // its pass's first query to its decision (telemetry). Unset: none.
  std::function<void(absl::Duration)> on_tick_analysed;
  // Called after each transition is stored, with the rollout before and
  // after it and the commit's time (the notifier's hook). Runs on the
  // committing thread under the rollout's lock: it must only queue, never
  // block or call back into the engine.
  std::function<void(const v1::Rollout& before, const v1::Rollout& after, absl::Time time)>
      on_commit;
  // The hosts a new rollout's webhooks may call (spec/webhook_hosts.h); a
  // spec naming another is refused. Empty: any host.
  std::set<std::string> allowed_hook_hosts;
  // The rollouts' webhook gates and hooks (null: webhooks are not called).
  // Polled once per preflight retry and tick; never waited on.
  HookGates* hooks = nullptr;
};

class RolloutEngine final : public RolloutController {
 public:
  RolloutEngine(Clock& clock, store::StateStore& store, ProviderLookup providers,
                RouterFactory routers, const EngineOptions& options = {});
  ~RolloutEngine() override;  // stops preparing recovered rollouts

  absl::StatusOr<v1::CreateRolloutResponse> Create(const v1::CreateRolloutRequest& request,
                                                   const Caller& caller) override;
  absl::StatusOr<v1::GetRolloutResponse> Get(const v1::GetRolloutRequest& request) override;
  absl::StatusOr<v1::ListRolloutsResponse> List(const v1::ListRolloutsRequest& request) override;
  absl::StatusOr<v1::Rollout> Pause(const v1::PauseRolloutRequest& request,
                                    const Caller& caller) override;
  absl::StatusOr<v1::Rollout> Resume(const v1::ResumeRolloutRequest& request,
                                     const Caller& caller) override;
  absl::StatusOr<v1::Rollout> Promote(const v1::PromoteRolloutRequest& request,
                                      const Caller& caller) override;
  absl::StatusOr<v1::Rollout> Abort(const v1::AbortRolloutRequest& request,
                                    const Caller& caller) override;
  absl::StatusOr<v1::Rollout> Approve(const v1::ApproveRolloutRequest& request,
                                      const Caller& caller) override;
  absl::StatusOr<v1::Rollout> Retry(const v1::RetryRolloutRequest& request,
                                    const Caller& caller) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> WaitForEvents(const std::string& name,
                                                              int64_t after_sequence, int limit,
                                                              absl::Time deadline) override;

  // Performs every preflight, tick, traffic change and timer due at
  // clock.Now(): the queries of all due rollouts go out as ONE
  // MetricProvider::Run per provider. Returns when the next one is due (a
  // time not after now when more is already due), at the earliest
  // options.pass_spacing after now.
  absl::Time RunDue();
  // At start, before RunDue: loads every unfinished rollout. An intent
  // stored but perhaps not applied is acted on now; an applied one is
  // re-asserted, and the analysis rebuilt from the stored ticks, in the
  // rollout's first pass, before its tick: a thousand rollouts are then
  // serving at once and tick again in the order they fall due, rather than
  // after a thousand replays and round trips to the cluster. A rollout that
  // cannot be reconciled is retried by RunDue; the error is the store's.
  absl::Status Recover();
  // Blocks until `deadline` (real time) or until an API call made work due.
  void WaitForWork(absl::Time deadline);

 private:
  using RuntimePtr = std::shared_ptr<RolloutRuntime>;
  struct DueWork;
  struct Staged;
  class PassLocks;

  absl::StatusOr<v1::Rollout> Operate(const std::string& name, OperatorVerb verb,
                                      const std::string& reason, const Caller& caller);
  // The runtime of a rollout, loading a finished one from the store (for a retry).
  absl::StatusOr<RuntimePtr> Find(const std::string& name);
  // NotFound unless `name` is known; AlreadyExists when another unfinished
  // rollout than `except` moves the same route.
  absl::Status CheckTargetFree(const v1::RolloutSpec& spec, const std::string& except);
  absl::StatusOr<v1::CreateRolloutResponse> CreateLocked(const v1::CreateRolloutRequest& request,
                                                         const Caller& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(create_mutex_);

  // Commits the transition (and the tick) and publishes it; on failure marks
  // the runtime stale. Then, when it stored an intent, acts on it.
  absl::Status Execute(RolloutRuntime& r, Transition t, std::optional<v1::Tick> tick = {},
                       bool fresh_router = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  absl::Status Commit(RolloutRuntime& r, Transition& t, std::optional<v1::Tick> tick)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  // Asks the router for the stored, not yet applied intent, and stores the outcome.
  absl::Status Act(RolloutRuntime& r, bool fresh_router) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  // Asks the router for the stored, not yet applied intent; the transition
  // recording the outcome, to be committed by the caller (nullopt when the
  // intent is applied already). `outcome` is the router's status.
  std::optional<Transition> Perform(RolloutRuntime& r, bool fresh_router, absl::Status* outcome)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  absl::StatusOr<mesh::TrafficSplit> CallRouter(RolloutRuntime& r, bool fresh_router)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);

  // RunDue's phases: collect what is due, start the pending rollouts, query,
  // then decide and act (write-ahead, one batch commit per step).
  void Collect(const RuntimePtr& r, absl::Time now, std::vector<RuntimePtr>& pending,
               std::vector<DueWork>& work);
  void StartPending(std::vector<RuntimePtr>& pending, absl::Time now, std::vector<DueWork>& work);
  // Keeps the work within options_.max_queries_per_pass: the most overdue first.
  void LimitToBudget(std::vector<DueWork>& work) const;
  void RunQueries(std::vector<DueWork>& work);
  // The preflights' router checks, concurrently (the rest of a preflight is
  // decided by FinishPreflight).
  void CheckTargets(std::vector<DueWork>& work);
  // The work of rollouts not yet prepared since the restart: to reconcile,
  // or a tick whose analysis is still to be rebuilt.
  std::vector<DueWork*> Unprepared(std::vector<DueWork>& work);
  // Reconciles them and rebuilds their analyses, concurrently, each under
  // its rollout's lock (a rollout whose rebuild fails is marked stale).
  void Prepare(const std::vector<DueWork*>& recovered);
  void PrepareLocked(RolloutRuntime& r, bool ticking) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  // After Recover(), on its own thread until every recovered rollout is
  // prepared or the engine stops: prepares each shortly before it falls due
  // (the soonest first), so that it ticks on time.
  void PrepareAhead(const std::vector<RuntimePtr>& recovered);
  void ApplyDue(std::vector<DueWork>& work, absl::Time now);
  // The transition a due item leads to (nullopt: none, or it is no longer due).
  std::optional<Staged> Decide(DueWork& work, absl::Time now);
  std::optional<Staged> FinishPreflight(RolloutRuntime& r, DueWork& work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  Staged PassPreflight(RolloutRuntime& r, DueWork& work, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  DueWork PreflightWork(const RuntimePtr& runtime, absl::Time now);
  std::optional<Staged> FinishTick(RolloutRuntime& r, DueWork& work)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  // Commits every staged transition in one batch and publishes them; when the
  // batch fails nothing is stored and their rollouts are marked stale.
  void CommitStaged(std::vector<Staged>& staged);
  // The webhooks' word on this tick: a rollback hook's request, the gate
  // of the advance it could make (polled, never waited on).
  void ReadHooks(RolloutRuntime& r, TickOutcome& outcome) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  absl::Time NextDue(RolloutRuntime& r, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);
  void Reconcile(RolloutRuntime& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r.op);

  void Publish(RolloutRuntime& r, v1::Rollout rollout);
  void NotifyWork();

  Clock& clock_;
  store::StateStore& store_;
  const ProviderLookup providers_;
  const RouterFactory routers_;
  const EngineOptions options_;

  absl::Mutex create_mutex_;  // serializes creations and retries (target checks)
  absl::Mutex mutex_;
  absl::CondVar changed_;  // a commit or new work
  std::map<std::string, RuntimePtr> active_ ABSL_GUARDED_BY(mutex_);
  int64_t commits_ ABSL_GUARDED_BY(mutex_) = 0;
  bool work_ ABSL_GUARDED_BY(mutex_) = false;

  std::atomic<bool> stopping_ = false;
  std::thread preparer_;  // PrepareAhead, after Recover()
};

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_ROLLOUT_ENGINE_H_
