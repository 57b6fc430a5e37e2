// RolloutEngine's runner side: the timers (RunDue), acting on stored intents,
// and recovery after a restart.
#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/tick_evaluation.h"

namespace kanarya::engine {
namespace {

bool Ticking(v1::Phase phase) {
  return phase == v1::PHASE_PROGRESSING || phase == v1::PHASE_PAUSED ||
         phase == v1::PHASE_AWAITING_APPROVAL;
}

// Phases in which an intent not yet applied is retried by the runner (a
// paused rollout waits for its resume).
bool Acting(v1::Phase phase) {
  return phase == v1::PHASE_PROGRESSING || phase == v1::PHASE_AWAITING_APPROVAL ||
         phase == v1::PHASE_PROMOTING || phase == v1::PHASE_ROLLING_BACK;
}

bool Transient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kAborted;
}

bool HasData(const metrics::QueryResult& result) {
  for (const metrics::Series& series : result.series) {
    for (const metrics::Sample& sample : series.samples) {
      if (!std::isnan(sample.value)) return true;
    }
  }
  return false;
}

}  // namespace

struct RolloutEngine::DueWork {
  enum class Kind { kPreflight, kTick };
  RuntimePtr runtime;
  Kind kind;
  int32_t attempt;
  absl::Time tick_end;
  std::vector<spec::TickQuery> queries;
  std::vector<absl::StatusOr<metrics::QueryResult>> results;
};

absl::Time RolloutEngine::RunDue() {
  const absl::Time now = clock_.Now();
  std::vector<RuntimePtr> runtimes;
  {
    absl::MutexLock lock(&mutex_);
    for (const auto& [name, r] : active_) runtimes.push_back(r);
  }
  std::vector<DueWork> work;
  for (const RuntimePtr& r : runtimes) Collect(r, now, work);

  // Every due query of every rollout: one Run per provider.
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> routes;
  std::map<std::string, std::vector<metrics::Query>> batches;
  for (size_t i = 0; i < work.size(); ++i) {
    work[i].results.assign(work[i].queries.size(), absl::InternalError("query not run"));
    for (size_t j = 0; j < work[i].queries.size(); ++j) {
      const spec::TickQuery& q = work[i].queries[j];
      routes[q.provider].emplace_back(i, j);
      batches[q.provider].push_back(q.query);
    }
  }
  for (auto& [provider, queries] : batches) {
    metrics::MetricProvider* source = providers_(provider);
    std::vector<absl::StatusOr<metrics::QueryResult>> results;
    if (source != nullptr) results = source->Run(queries);
    const std::vector<std::pair<size_t, size_t>>& where = routes[provider];
    for (size_t k = 0; k < where.size(); ++k) {
      work[where[k].first].results[where[k].second] =
          k < results.size()
              ? std::move(results[k])
              : absl::UnavailableError(absl::StrCat("no answer from provider \"", provider, "\""));
    }
  }

  for (DueWork& w : work) {
    RolloutRuntime& r = *w.runtime;
    absl::MutexLock op(&r.op);
    if (r.stale || r.rollout.status().attempt() != w.attempt) continue;
    if (w.kind == DueWork::Kind::kPreflight) {
      FinishPreflight(r, w);
    } else {
      FinishTick(r, w);
    }
  }

  absl::Time next = absl::InfiniteFuture();
  for (const RuntimePtr& r : runtimes) {
    absl::MutexLock op(&r->op);
    const absl::Time due = NextDue(*r, now);
    if (due == absl::InfiniteFuture() && IsFinal(r->rollout.status().phase())) {
      absl::MutexLock lock(&mutex_);
      if (const auto it = active_.find(r->rollout.name()); it != active_.end() && it->second == r) {
        active_.erase(it);
      }
    }
    next = std::min(next, due);
  }
  return next;
}

void RolloutEngine::Collect(const RuntimePtr& runtime, absl::Time now, std::vector<DueWork>& work) {
  RolloutRuntime& r = *runtime;
  absl::MutexLock op(&r.op);
  if (r.stale) {
    absl::StatusOr<v1::Rollout> reloaded = ReloadRuntime(r, store_);
    if (!reloaded.ok()) return;
    Publish(r, *reloaded);
  }
  // Every commit replaces r.rollout (and so its status object): read afresh.
  const auto s = [&r] { return &r.rollout.status(); };
  if (!s()->intent_applied() && Acting(s()->phase()) && now >= r.retry_at) {
    (void)Act(r, /*fresh_router=*/false);  // the outcome is stored and published
  }
  if (r.stale) return;
  if (s()->phase() == v1::PHASE_PENDING) {
    if (!Execute(r, StartPreflight(r.rollout, now)).ok()) return;
  }
  if (s()->phase() == v1::PHASE_INITIALIZING) {
    if (now >= r.retry_at) {
      work.push_back(
          {runtime, DueWork::Kind::kPreflight, s()->attempt(), now, r.queries->QueriesAt(now), {}});
    }
    return;
  }
  if (s()->phase() == v1::PHASE_PROGRESSING && s()->has_deadline_time() &&
      FromProto(s()->deadline_time()) <= now) {
    (void)Execute(r, DeadlineExceeded(r.rollout, r.plan, now));
    return;
  }
  const absl::Time tick_end = FromProto(s()->last_tick_time()) + r.plan.tick_interval;
  if (Ticking(s()->phase()) && tick_end <= now) {
    work.push_back({runtime,
                    DueWork::Kind::kTick,
                    s()->attempt(),
                    tick_end,
                    r.queries->QueriesAt(tick_end),
                    {}});
  }
}

void RolloutEngine::FinishPreflight(RolloutRuntime& r, DueWork& w) {
  if (r.rollout.status().phase() != v1::PHASE_INITIALIZING) return;
  const absl::Time now = clock_.Now();
  absl::Status problem;
  absl::StatusOr<mesh::TrafficRouterPtr> router = routers_(r.rollout);
  if (router.ok()) {
    r.router = *std::move(router);
    problem = r.router->Verify();
  } else {
    problem = router.status();
  }
  for (size_t i = 0; i < w.queries.size() && problem.ok(); ++i) {
    const spec::TickQuery& q = w.queries[i];
    if (q.side != spec::Side::kBaseline) continue;
    const std::string metric = absl::StrCat("analysis.metrics[", q.metric_index, "] (",
                                            r.plan.analysis.metrics(q.metric_index).name(), ")");
    if (!w.results[i].ok()) {
      problem = absl::Status(
          w.results[i].status().code(),
          absl::StrCat(metric, ": the baseline query failed: ", w.results[i].status().message()));
    } else if (q.role != spec::QueryRole::kEvents && !HasData(*w.results[i])) {
      problem = absl::FailedPreconditionError(
          absl::StrCat(metric, ": the baseline query returned no data: ", q.query.expression));
    }
  }
  if (problem.ok()) {
    (void)Execute(r, PreflightPassed(r.rollout, r.plan, now));
  } else if (Transient(problem) && ++r.preflight_failures <= r.plan.query_error_limit) {
    r.retry_at = now + r.plan.tick_interval;
  } else {
    (void)Execute(r, PreflightFailed(r.rollout, problem.ToString(), now));
  }
}

void RolloutEngine::FinishTick(RolloutRuntime& r, DueWork& w) {
  const v1::RolloutStatus& s = r.rollout.status();
  if (!Ticking(s.phase()) || FromProto(s.last_tick_time()) + r.plan.tick_interval != w.tick_end) {
    return;  // an operator's call changed the rollout while its queries ran
  }
  const std::vector<spec::MetricTickResult> results = r.queries->Assemble(w.queries, w.results);
  const std::vector<v1::MetricPolicyState> previous(s.metric_policies().begin(),
                                                    s.metric_policies().end());
  TickEvaluation e = EvaluateTick(r.plan, w.tick_end, s.canary_weight(), results, previous);
  r.session->Observe(e.tick);
  TickOutcome outcome{.tick_end = w.tick_end,
                      .decision = r.session->decision(),
                      .reason = r.session->reason(),
                      .metrics = r.session->Results(),
                      .analysed_ticks = s.ticks() + 1,
                      .policies = std::move(e.policies),
                      .complete = e.complete,
                      .holding = std::move(e.holding),
                      .failure = e.failure,
                      .failure_reason = std::move(e.failure_reason)};
  (void)Execute(r, ApplyTick(r.rollout, r.plan, outcome), std::move(e.tick));
}

absl::Time RolloutEngine::NextDue(RolloutRuntime& r, absl::Time now) {
  if (r.stale) return now;
  const v1::RolloutStatus& s = r.rollout.status();
  if (s.phase() == v1::PHASE_PENDING) return now;
  if (s.phase() == v1::PHASE_INITIALIZING) return std::max(r.retry_at, now);
  absl::Time next = absl::InfiniteFuture();
  if (!s.intent_applied() && Acting(s.phase())) next = std::max(r.retry_at, now);
  if (Ticking(s.phase())) {
    next = std::min(next, FromProto(s.last_tick_time()) + r.plan.tick_interval);
  }
  if (s.phase() == v1::PHASE_PROGRESSING && s.has_deadline_time()) {
    next = std::min(next, FromProto(s.deadline_time()));
  }
  return next;
}

absl::StatusOr<mesh::TrafficSplit> RolloutEngine::CallRouter(RolloutRuntime& r, bool fresh_router) {
  if (!r.router || fresh_router) {
    absl::StatusOr<mesh::TrafficRouterPtr> made = routers_(r.rollout);
    if (!made.ok()) return made.status();
    r.router = *std::move(made);
  }
  const v1::RolloutStatus& s = r.rollout.status();
  switch (s.phase()) {
    case v1::PHASE_ROLLING_BACK:
      return r.router->Rollback();
    case v1::PHASE_PROMOTING:
      return r.plan.promotion == v1::PROMOTION_STRATEGY_KEEP_WEIGHTS
                 ? r.router->SetCanaryWeight(100)
                 : r.router->PromoteCanary();
    default:
      return r.router->SetCanaryWeight(s.canary_weight());
  }
}

absl::Status RolloutEngine::Act(RolloutRuntime& r, bool fresh_router) {
  if (r.rollout.status().intent_applied()) return absl::OkStatus();
  const absl::Time now = clock_.Now();
  if (r.plan.dry_run) {
    Transition t = ActionDone(r.rollout, "dry run: traffic not moved", now);
    return Commit(r, t, std::nullopt);
  }
  absl::StatusOr<mesh::TrafficSplit> split = CallRouter(r, fresh_router);
  r.retry_at = split.ok() ? absl::InfinitePast() : now + r.plan.tick_interval;
  Transition t =
      split.ok() ? ActionDone(r.rollout, "", now) : ActionFailed(r.rollout, split.status(), now);
  if (absl::Status s = Commit(r, t, std::nullopt); !s.ok()) return s;
  return split.status();
}

absl::Status RolloutEngine::Recover() {
  store::RolloutFilter filter;
  for (int p = v1::Phase_MIN; p <= v1::Phase_MAX; ++p) {
    const auto phase = static_cast<v1::Phase>(p);
    if (v1::Phase_IsValid(p) && phase != v1::PHASE_UNSPECIFIED && !IsFinal(phase)) {
      filter.phases.push_back(phase);
    }
  }
  filter.limit = 1000;
  absl::Status first_error;
  while (true) {
    absl::StatusOr<std::vector<v1::Rollout>> page = store_.ListRollouts(filter);
    if (!page.ok()) return page.status();
    for (const v1::Rollout& rollout : *page) {
      absl::StatusOr<RuntimePtr> runtime = LoadRuntime(rollout, store_);
      if (!runtime.ok()) {
        first_error.Update(runtime.status());
        continue;
      }
      {
        absl::MutexLock lock(&mutex_);
        active_[rollout.name()] = *runtime;
      }
      absl::MutexLock op(&(*runtime)->op);
      Reconcile(**runtime);
    }
    if (static_cast<int>(page->size()) < filter.limit) break;
    filter.after_name = page->back().name();
  }
  NotifyWork();
  return first_error;
}

void RolloutEngine::Reconcile(RolloutRuntime& r) {
  const v1::RolloutStatus& s = r.rollout.status();
  if (!s.intent_applied()) {
    if (Acting(s.phase())) (void)Act(r, /*fresh_router=*/true);
    return;  // a paused rollout's unapplied intent waits for its resume
  }
  if (r.plan.dry_run || !Ticking(s.phase())) return;
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
