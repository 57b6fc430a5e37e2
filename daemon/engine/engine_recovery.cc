// RolloutEngine after a restart: loading the unfinished rollouts, acting on
// intents that may not have been applied, and re-asserting the applied ones
// and replaying the analyses, the rollouts due first first.
#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "daemon/engine/parallel_for.h"
#include "daemon/engine/rollout_engine.h"

namespace kanarya::engine {
namespace {

// How many recovered rollouts the preparer takes at once, soonest due
// first: small enough that the order follows the clock and the passes.
constexpr size_t kPrepareChunk = 64;
// How far ahead of its due time a rollout is prepared. Further, and a
// thousand reconciliations at once crowd the Kubernetes API and the passes
// running meanwhile (one run each: ticks up to 3.1 s late, not 2.3 s).
constexpr absl::Duration kPrepareHorizon = absl::Seconds(2);
// How often the preparer looks again when nothing is within the horizon.
constexpr absl::Duration kPrepareIdle = absl::Milliseconds(50);

}  // namespace

absl::Status RolloutEngine::Recover() {
  store::RolloutFilter filter;
  for (int p = v1::Phase_MIN; p <= v1::Phase_MAX; ++p) {
    const auto phase = static_cast<v1::Phase>(p);
    if (v1::Phase_IsValid(p) && phase != v1::PHASE_UNSPECIFIED && !IsFinal(phase)) {
      filter.phases.push_back(phase);
    }
  }
  filter.limit = 1000;
  absl::Mutex error_mutex;
  absl::Status first_error;
  std::vector<RuntimePtr> recovered;
  while (true) {
    absl::StatusOr<std::vector<v1::Rollout>> page = store_.ListRollouts(filter);
    if (!page.ok()) return page.status();
    // Each rollout on its own: its plan and queries compiled, and an intent
    // stored but perhaps not applied acted on (a few round trips to the
    // Kubernetes API), so many at once.
    std::vector<RuntimePtr> loaded(page->size());
    ParallelFor(page->size(), options_.router_threads, [&](size_t i) {
      const v1::Rollout& rollout = (*page)[i];
      absl::StatusOr<RuntimePtr> runtime = LoadRuntimeWithoutAnalysis(rollout);
      if (!runtime.ok()) {
        absl::MutexLock lock(&error_mutex);
        first_error.Update(runtime.status());
        return;
      }
      loaded[i] = *runtime;
      {
        absl::MutexLock lock(&mutex_);
        active_[rollout.name()] = *runtime;
      }
      RolloutRuntime& r = **runtime;
      absl::MutexLock op(&r.op);
      if (r.rollout.status().intent_applied()) {
        r.reconcile = true;
      } else {
        Reconcile(r);
      }
    });
    for (RuntimePtr& r : loaded) {
      if (r) recovered.push_back(std::move(r));
    }
    if (static_cast<int>(page->size()) < filter.limit) break;
    filter.after_name = page->back().name();
  }
  if (preparer_.joinable()) preparer_.join();  // a second recovery: the first one's is done
  preparer_ = std::thread([this, recovered = std::move(recovered)] { PrepareAhead(recovered); });
  NotifyWork();
  return first_error;
}

void RolloutEngine::PrepareAhead(const std::vector<RuntimePtr>& recovered) {
  while (!stopping_.load()) {
    // The order moves with the clock, and passes prepare their own rollouts.
    std::vector<std::pair<absl::Time, RolloutRuntime*>> unprepared;
    const absl::Time now = clock_.Now();
    for (const RuntimePtr& r : recovered) {
      absl::MutexLock op(&r->op);
      // A stale one is reloaded, and then prepared, by its next pass.
      if (!r->stale && (r->reconcile || (IsTicking(r->rollout.status().phase()) && !r->session))) {
        unprepared.emplace_back(NextDue(*r, now), r.get());
      }
    }
    if (unprepared.empty()) return;
    const size_t chunk = std::min(unprepared.size(), kPrepareChunk);
    std::partial_sort(unprepared.begin(), unprepared.begin() + static_cast<std::ptrdiff_t>(chunk),
                      unprepared.end());
    if (unprepared.front().first > now + kPrepareHorizon) {
      absl::SleepFor(kPrepareIdle);
      continue;
    }
    std::atomic<int> prepared = 0;
    ParallelFor(chunk, options_.router_threads, [&](size_t k) {
      RolloutRuntime& r = *unprepared[k].second;
      // One a pass holds is prepared by that pass.
      if (unprepared[k].first > now + kPrepareHorizon || stopping_.load() || !r.op.TryLock()) {
        return;
      }
      PrepareLocked(r, IsTicking(r.rollout.status().phase()));
      r.op.Unlock();
      prepared.fetch_add(1);
    });
    if (prepared.load() == 0) absl::SleepFor(absl::Milliseconds(10));  // all in a pass: wait
  }
}

void RolloutEngine::PrepareLocked(RolloutRuntime& r, bool ticking) {
  if (r.stale) return;
  if (r.reconcile) Reconcile(r);
  if (ticking && !r.session && !r.stale && !RebuildSession(r, store_).ok()) r.stale = true;
}

void RolloutEngine::Reconcile(RolloutRuntime& r) {
  r.reconcile = false;
  const v1::RolloutStatus& s = r.rollout.status();
  if (!s.intent_applied()) {
    if (IsActing(s.phase())) (void)Act(r, /*fresh_router=*/true);
    return;  // a paused rollout's unapplied intent waits for its resume
  }
  if (r.plan.dry_run || !IsTicking(s.phase())) return;
  // Applied before the restart: make sure it still is.
  absl::StatusOr<mesh::TrafficSplit> split = CallRouter(r, /*fresh_router=*/true);
  if (split.ok()) return;
  const absl::Time now = clock_.Now();
  Transition t = ActionFailed(r.rollout, split.status(), now);
  t.rollout.mutable_status()->set_intent_applied(false);
  r.retry_at = now + r.plan.tick_interval;
  (void)Commit(r, t, std::nullopt);
}

}  // namespace kanarya::engine
