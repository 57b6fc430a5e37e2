// RolloutEngine's runner side: the timers (RunDue) and acting on stored
// intents (recovery after a restart is in engine_recovery.cc).
#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/engine/parallel_for.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/tick_evaluation.h"

namespace kanarya::engine {
namespace {

bool Transient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kAborted;
}

// The offset of a rollout's ticks within the tick interval: FNV-1a of its
// name, so the same in every run.
absl::Duration TickPhase(const std::string& name, absl::Duration interval) {
  uint64_t hash = 14695981039346656037ULL;
  for (const char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  constexpr uint64_t kSteps = 1'000'000;
  return interval * static_cast<double>(hash % kSteps) / kSteps;
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
  enum class Kind {
    kAct,       // retry an intent the router has not applied yet
    kDeadline,  // the progress deadline passed
    kPreflight,
    kTick,
  };
  RuntimePtr runtime;
  Kind kind;
  int32_t attempt;
  absl::Time tick_end;
  std::vector<spec::TickQuery> queries;
  std::vector<absl::StatusOr<metrics::QueryResult>> results;
  // A preflight's: the baseline's history, sent in the same batches.
  std::vector<spec::TickQuery> history_queries;
  std::vector<absl::StatusOr<metrics::QueryResult>> history_results;
  // A preflight's: what checking the route, destinations and subsets found.
  absl::Status target_problem;
  // A preflight's: since when it has been waiting (its start or its retry).
  absl::Time waiting_since = absl::InfinitePast();
  // Real time when its pass sent its first query.
  absl::Time queries_sent = absl::InfinitePast();
};

// A transition of one rollout waiting for its pass's batch commit.
struct RolloutEngine::Staged {
  RolloutRuntime* runtime;
  Transition transition;
  std::optional<v1::Tick> tick;
  std::vector<v1::Tick> history;  // stored before `tick`
};

// Holds the op locks of the rollouts a pass works on. RunDue is the only
// caller that holds more than one, and always takes them in the order of
// the runtimes' addresses.
class RolloutEngine::PassLocks {
 public:
  PassLocks() = default;
  PassLocks(const PassLocks&) = delete;
  PassLocks& operator=(const PassLocks&) = delete;
  ~PassLocks() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->Unlock();
  }
  void Add(absl::Mutex& mutex) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mutex.Lock();
    held_.push_back(&mutex);
  }

 private:
  std::vector<absl::Mutex*> held_;
};

// A pass: collect what is due (starting pending rollouts in one batch) within
// the query budget, run every due query with one MetricProvider::Run per
// provider (meanwhile, after a restart, reconcile the rollouts and rebuild
// their analyses), then decide and act under the rollouts' locks (ApplyDue).
// At most three syncs to disk per pass, however many rollouts tick in it
// (and one per recovered rollout whose reconciliation fails).
absl::Time RolloutEngine::RunDue() {
  const absl::Time now = clock_.Now();
  std::vector<RuntimePtr> runtimes;
  {
    absl::MutexLock lock(&mutex_);
    for (const auto& [name, r] : active_) runtimes.push_back(r);
  }
  std::vector<RuntimePtr> pending;
  std::vector<DueWork> work;
  for (const RuntimePtr& r : runtimes) Collect(r, now, pending, work);
  StartPending(pending, now, work);
  LimitToBudget(work);
  // After a restart, a rollout's reconciliation and replay need none of its
  // queries' answers: they run meanwhile.
  const std::vector<DueWork*> recovered = Unprepared(work);
  std::thread preparing;
  if (!recovered.empty()) preparing = std::thread([&] { Prepare(recovered); });
  RunQueries(work);
  if (preparing.joinable()) preparing.join();
  ApplyDue(work, now);

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
  return next <= now ? next : std::max(next, now + options_.pass_spacing);
}

// The preflight's baseline queries at `now` and the history's over the
// history_ticks tick ends up to `now`.
RolloutEngine::DueWork RolloutEngine::PreflightWork(const RuntimePtr& runtime, absl::Time now) {
  const RolloutRuntime& r = *runtime;
  std::vector<spec::TickQuery> history;
  if (options_.history_ticks > 0) {
    history = r.queries->BaselineHistoryQueries(
        now - (options_.history_ticks - 1) * r.plan.tick_interval, now);
  }
  return {.runtime = runtime,
          .kind = DueWork::Kind::kPreflight,
          .attempt = r.rollout.status().attempt(),
          .tick_end = now,
          .queries = r.queries->QueriesAt(now),
          .history_queries = std::move(history),
          .waiting_since = std::max(FromProto(r.rollout.status().phase_time()), r.retry_at)};
}

void RolloutEngine::Collect(const RuntimePtr& runtime, absl::Time now,
                            std::vector<RuntimePtr>& pending, std::vector<DueWork>& work) {
  RolloutRuntime& r = *runtime;
  absl::MutexLock op(&r.op);
  if (r.stale) {
    absl::StatusOr<v1::Rollout> reloaded = ReloadRuntime(r, store_);
    if (!reloaded.ok()) return;
    Publish(r, *reloaded);
  }
  const v1::RolloutStatus& s = r.rollout.status();
  if (s.phase() == v1::PHASE_PENDING) {
    pending.push_back(runtime);
    return;
  }
  if (s.phase() == v1::PHASE_INITIALIZING) {
    if (now >= r.retry_at) work.push_back(PreflightWork(runtime, now));
    return;
  }
  if (s.phase() == v1::PHASE_PROGRESSING && s.has_deadline_time() &&
      FromProto(s.deadline_time()) <= now) {
    work.push_back({runtime, DueWork::Kind::kDeadline, s.attempt(), now, {}, {}, {}, {}});
    return;
  }
  const absl::Time tick_end = FromProto(s.last_tick_time()) + r.plan.tick_interval;
  if (IsTicking(s.phase()) && tick_end <= now) {
    work.push_back({runtime,
                    DueWork::Kind::kTick,
                    s.attempt(),
                    tick_end,
                    r.queries->QueriesAt(tick_end),
                    {},
                    {},
                    {}});
  } else if (!s.intent_applied() && IsActing(s.phase()) && now >= r.retry_at) {
    work.push_back({runtime, DueWork::Kind::kAct, s.attempt(), now, {}, {}, {}, {}});
  }
}

void RolloutEngine::StartPending(std::vector<RuntimePtr>& pending, absl::Time now,
                                 std::vector<DueWork>& work) {
  if (pending.empty()) return;
  std::sort(pending.begin(), pending.end(), std::less<>());  // the lock order
  PassLocks locks;
  std::vector<Staged> starts;
  for (const RuntimePtr& r : pending) {
    locks.Add(r->op);
    if (!r->stale && r->rollout.status().phase() == v1::PHASE_PENDING) {
      starts.push_back({r.get(), StartPreflight(r->rollout, now), std::nullopt, {}});
    }
  }
  CommitStaged(starts);
  for (const RuntimePtr& r : pending) {
    const v1::RolloutStatus& s = r->rollout.status();
    if (!r->stale && s.phase() == v1::PHASE_INITIALIZING && now >= r->retry_at) {
      work.push_back(PreflightWork(r, now));
    }
  }
}

void RolloutEngine::LimitToBudget(std::vector<DueWork>& work) const {
  if (options_.max_queries_per_pass <= 0) return;
  const auto queries = [](const DueWork& w) { return w.queries.size() + w.history_queries.size(); };
  size_t total = 0;
  for (const DueWork& w : work) total += queries(w);
  if (total <= static_cast<size_t>(options_.max_queries_per_pass)) return;
  // Work without queries first (it costs none), then the longest waiting:
  // ticks by their due time, preflights since their start (or retry), so
  // that neither starves the other while a provider falls behind.
  const auto rank = [&](const DueWork& w) {
    return std::pair(queries(w) > 0,
                     w.kind == DueWork::Kind::kPreflight ? w.waiting_since : w.tick_end);
  };
  std::stable_sort(work.begin(), work.end(),
                   [&](const DueWork& a, const DueWork& b) { return rank(a) < rank(b); });
  size_t kept = 0;
  size_t sent = 0;
  for (; kept < work.size(); ++kept) {
    sent += queries(work[kept]);
    // The first with queries always goes, however many it has.
    if (sent > static_cast<size_t>(options_.max_queries_per_pass) && sent != queries(work[kept])) {
      break;
    }
  }
  work.erase(work.begin() + static_cast<std::ptrdiff_t>(kept), work.end());
}

void RolloutEngine::RunQueries(std::vector<DueWork>& work) {
  // Where each answer goes: a result vector and its index.
  using Slot = std::pair<std::vector<absl::StatusOr<metrics::QueryResult>>*, size_t>;
  std::map<std::string, std::vector<Slot>> routes;
  std::map<std::string, std::vector<metrics::Query>> batches;
  const auto route = [&](const std::vector<spec::TickQuery>& queries,
                         std::vector<absl::StatusOr<metrics::QueryResult>>& results) {
    results.assign(queries.size(), absl::InternalError("query not run"));
    for (size_t j = 0; j < queries.size(); ++j) {
      routes[queries[j].provider].emplace_back(&results, j);
      batches[queries[j].provider].push_back(queries[j].query);
    }
  };
  const absl::Time sent = absl::Now();  // a latency, on the real clock
  for (DueWork& w : work) {
    route(w.queries, w.results);
    route(w.history_queries, w.history_results);
    w.queries_sent = sent;
  }
  for (auto& [provider, queries] : batches) {
    metrics::MetricProvider* source = providers_(provider);
    std::vector<absl::StatusOr<metrics::QueryResult>> results;
    if (source != nullptr) results = source->Run(queries);
    const std::vector<Slot>& where = routes[provider];
    for (size_t k = 0; k < where.size(); ++k) {
      (*where[k].first)[where[k].second] =
          k < results.size()
              ? std::move(results[k])
              : absl::UnavailableError(absl::StrCat("no answer from provider \"", provider, "\""));
    }
  }
}

// Write-ahead across the pass: every decision, with the intent it sets, is
// committed in one batch before any router is called; the routers' outcomes
// go in a second batch. The rollouts' locks are held throughout, so an
// operator's call on one of them waits for the pass, and never interleaves
// between an intent and its router call.
void RolloutEngine::ApplyDue(std::vector<DueWork>& work, absl::Time now) {
  std::sort(work.begin(), work.end(), [](const DueWork& a, const DueWork& b) {
    return std::less<>()(a.runtime.get(), b.runtime.get());
  });
  PassLocks locks;
  for (const DueWork& w : work) locks.Add(w.runtime->op);

  CheckTargets(work);
  std::vector<Staged> decisions;
  std::vector<bool> decided_action(work.size(), false);
  for (size_t i = 0; i < work.size(); ++i) {
    if (std::optional<Staged> staged = Decide(work[i], now)) {
      decided_action[i] = staged->transition.action != RouterAction::kNone;
      decisions.push_back(*std::move(staged));
    }
  }
  CommitStaged(decisions);

  std::vector<RolloutRuntime*> acting;
  for (size_t i = 0; i < work.size(); ++i) {
    RolloutRuntime& r = *work[i].runtime;
    const v1::RolloutStatus& s = r.rollout.status();
    const bool retry = !s.intent_applied() && IsActing(s.phase()) && now >= r.retry_at;
    if (!r.stale && (decided_action[i] || retry)) acting.push_back(&r);
  }
  std::vector<std::optional<Transition>> done(acting.size());
  ParallelFor(acting.size(), options_.router_threads, [&](size_t k) {
    absl::Status ignored;  // the outcome is stored
    done[k] = Perform(*acting[k], /*fresh_router=*/false, &ignored);
  });
  std::vector<Staged> outcomes;
  for (size_t k = 0; k < acting.size(); ++k) {
    if (done[k].has_value()) outcomes.push_back({acting[k], *std::move(done[k]), std::nullopt, {}});
  }
  CommitStaged(outcomes);
}

std::vector<RolloutEngine::DueWork*> RolloutEngine::Unprepared(std::vector<DueWork>& work) {
  std::vector<DueWork*> recovered;
  for (DueWork& w : work) {
    RolloutRuntime& r = *w.runtime;
    absl::MutexLock op(&r.op);
    if (r.reconcile || (w.kind == DueWork::Kind::kTick && !r.session)) recovered.push_back(&w);
  }
  return recovered;
}

void RolloutEngine::Prepare(const std::vector<DueWork*>& recovered) {
  ParallelFor(recovered.size(), options_.router_threads, [&](size_t k) {
    RolloutRuntime& r = *recovered[k]->runtime;
    absl::MutexLock op(&r.op);
    PrepareLocked(r, /*ticking=*/recovered[k]->kind == DueWork::Kind::kTick);
  });
}

void RolloutEngine::CheckTargets(std::vector<DueWork>& work) {
  std::vector<DueWork*> preflights;
  for (DueWork& w : work) {
    const RolloutRuntime& r = *w.runtime;
    if (w.kind == DueWork::Kind::kPreflight && !r.stale &&
        r.rollout.status().attempt() == w.attempt &&
        r.rollout.status().phase() == v1::PHASE_INITIALIZING) {
      preflights.push_back(&w);
    }
  }
  ParallelFor(preflights.size(), options_.router_threads, [&](size_t k) {
    RolloutRuntime& r = *preflights[k]->runtime;
    absl::StatusOr<mesh::TrafficRouterPtr> router = routers_(r.rollout);
    if (!router.ok()) {
      preflights[k]->target_problem = router.status();
      return;
    }
    r.router = *std::move(router);
    preflights[k]->target_problem = r.router->Verify();
  });
}

std::optional<RolloutEngine::Staged> RolloutEngine::Decide(DueWork& w, absl::Time now) {
  RolloutRuntime& r = *w.runtime;
  if (r.stale || r.rollout.status().attempt() != w.attempt) return std::nullopt;
  const v1::RolloutStatus& s = r.rollout.status();
  switch (w.kind) {
    case DueWork::Kind::kAct:
      return std::nullopt;
    case DueWork::Kind::kDeadline:
      if (s.phase() != v1::PHASE_PROGRESSING || !s.has_deadline_time() ||
          FromProto(s.deadline_time()) > now) {
        return std::nullopt;
      }
      return Staged{&r, DeadlineExceeded(r.rollout, r.plan, now), std::nullopt, {}};
    case DueWork::Kind::kPreflight:
      return FinishPreflight(r, w);
    case DueWork::Kind::kTick:
      return FinishTick(r, w);
  }
  return std::nullopt;
}

void RolloutEngine::CommitStaged(std::vector<Staged>& staged) {
  if (staged.empty()) return;
  std::vector<store::Mutation> mutations;
  mutations.reserve(staged.size());
  for (Staged& s : staged) {
    mutations.push_back({std::move(s.transition.rollout), std::move(s.transition.events),
                         std::move(s.tick), std::move(s.history)});
  }
  absl::StatusOr<std::vector<int64_t>> sequences = store_.CommitBatch(mutations);
  for (size_t i = 0; i < staged.size(); ++i) {
    if (!sequences.ok()) {  // nothing stored: the analysis may hold a tick the store lacks
      staged[i].runtime->stale = true;
      continue;
    }
    mutations[i].rollout.mutable_status()->set_event_sequence((*sequences)[i]);
    if (options_.on_commit) {
      options_.on_commit(staged[i].runtime->rollout, mutations[i].rollout, clock_.Now());
    }
    Publish(*staged[i].runtime, std::move(mutations[i].rollout));
  }
}

std::optional<RolloutEngine::Staged> RolloutEngine::FinishPreflight(RolloutRuntime& r, DueWork& w) {
  if (r.rollout.status().phase() != v1::PHASE_INITIALIZING) return std::nullopt;
  const absl::Time now = clock_.Now();
  absl::Status problem = w.target_problem;  // CheckTargets found it
  bool no_data = false;
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
      no_data = true;
    }
  }
  if (problem.ok() && options_.hooks != nullptr && r.rollout.spec().webhooks_size() > 0) {
    const HookVerdict verdict = options_.hooks->Check(r.rollout, HookPoint::kBeforeRollout);
    if (verdict.kind == HookVerdict::Kind::kFail) {
      return Staged{&r, PreflightFailed(r.rollout, verdict.reason, now), std::nullopt, {}};
    }
    if (verdict.kind == HookVerdict::Kind::kWait) {  // the preflight runs again then
      r.retry_at = now + r.plan.tick_interval;
      Transition waiting = WaitForHook(r.rollout, verdict.reason, now);
      if (waiting.events.empty()) return std::nullopt;
      return Staged{&r, std::move(waiting), std::nullopt, {}};
    }
  }
  if (problem.ok()) return PassPreflight(r, w, now);
  // A provider's outage, or a window the last scrape has not reached yet, is
  // retried every tick up to the policy's limit; anything else fails now.
  const int limit = no_data ? r.plan.no_data_limit : r.plan.query_error_limit;
  if ((no_data || Transient(problem)) && ++r.preflight_failures <= limit) {
    r.retry_at = now + r.plan.tick_interval;
    return std::nullopt;
  }
  return Staged{&r, PreflightFailed(r.rollout, problem.ToString(), now), std::nullopt, {}};
}

// The preflight passed: the analysis starts afresh with the baseline's
// history, stored with the transition (marked, before the attempt's ticks)
// so that a restart rebuilds the same analysis. Without a history the
// analysis runs as it would without one, and a warning says so.
RolloutEngine::Staged RolloutEngine::PassPreflight(RolloutRuntime& r, DueWork& w, absl::Time now) {
  spec::BaselineHistory history = r.queries->AssembleHistory(w.history_queries, w.history_results);
  std::string warning;
  if (!history.error.ok()) {
    warning = absl::StrCat("the baseline's history could not be read (", history.error.ToString(),
                           "); the analysis runs without it for the metrics it lacks");
  } else if (!w.history_queries.empty() && history.ticks.empty()) {
    warning = absl::StrCat("the baseline's history of the last ", options_.history_ticks,
                           " ticks has no data; the analysis runs without it");
  }
  for (v1::Tick& tick : history.ticks) tick.set_baseline_history(true);
  r.session = std::make_unique<analysis::AnalysisSession>(r.plan.analysis, history.ticks);
  Transition t = PreflightPassed(r.rollout, r.plan, now, warning);
  if (options_.spread_ticks) {
    google::protobuf::Timestamp& first = *t.rollout.mutable_status()->mutable_last_tick_time();
    first = ToProto(FromProto(first) + TickPhase(r.rollout.name(), r.plan.tick_interval));
  }
  return Staged{&r, std::move(t), std::nullopt, std::move(history.ticks)};
}

std::optional<RolloutEngine::Staged> RolloutEngine::FinishTick(RolloutRuntime& r, DueWork& w) {
  const v1::RolloutStatus& s = r.rollout.status();
  if (!IsTicking(s.phase()) || FromProto(s.last_tick_time()) + r.plan.tick_interval != w.tick_end) {
    return std::nullopt;  // an operator's call changed the rollout while its queries ran
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
  ReadHooks(r, outcome);
  Staged staged{&r, ApplyTick(r.rollout, r.plan, outcome), std::move(e.tick), {}};
  *staged.transition.rollout.mutable_status()->mutable_last_tick_evaluated_time() =
      ToProto(clock_.Now());
  if (options_.on_tick_analysed) options_.on_tick_analysed(absl::Now() - w.queries_sent);
  return staged;
}

void RolloutEngine::ReadHooks(RolloutRuntime& r, TickOutcome& outcome) {
  if (options_.hooks == nullptr || r.rollout.spec().webhooks_size() == 0) return;
  const HookVerdict rollback = options_.hooks->Check(r.rollout, HookPoint::kRollback);
  if (rollback.kind == HookVerdict::Kind::kRollBack) outcome.rollback_hook = rollback.reason;
  const v1::RolloutStatus& s = r.rollout.status();
  const bool last = s.step_index() + 1 >= static_cast<int>(r.plan.steps.size());
  const HookPoint point = last ? HookPoint::kPromotion : HookPoint::kTrafficIncrease;
  // A gate is asked when the step could move, never before: a yes given
  // earlier does not stand for a later moment.
  if (!MovesOn(r.rollout, r.plan, outcome)) {
    options_.hooks->Withdraw(r.rollout, point);
    return;
  }
  const HookVerdict gate = options_.hooks->Check(r.rollout, point);
  if (gate.kind != HookVerdict::Kind::kProceed) outcome.advance_gate = gate.reason;
}

absl::Time RolloutEngine::NextDue(RolloutRuntime& r, absl::Time now) {
  if (r.stale) return now;
  const v1::RolloutStatus& s = r.rollout.status();
  if (s.phase() == v1::PHASE_PENDING) return now;
  if (s.phase() == v1::PHASE_INITIALIZING) return std::max(r.retry_at, now);
  absl::Time next = absl::InfiniteFuture();
  if (!s.intent_applied() && IsActing(s.phase())) next = std::max(r.retry_at, now);
  if (IsTicking(s.phase())) {
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
    r.reconcile = false;  // this call re-asserts the intent
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

std::optional<Transition> RolloutEngine::Perform(RolloutRuntime& r, bool fresh_router,
                                                 absl::Status* outcome) {
  if (r.rollout.status().intent_applied()) return std::nullopt;
  const absl::Time now = clock_.Now();
  if (r.plan.dry_run) return ActionDone(r.rollout, "dry run: traffic not moved", now);
  absl::StatusOr<mesh::TrafficSplit> split = CallRouter(r, fresh_router);
  r.retry_at = split.ok() ? absl::InfinitePast() : now + r.plan.tick_interval;
  *outcome = split.status();
  return split.ok() ? ActionDone(r.rollout, "", now) : ActionFailed(r.rollout, split.status(), now);
}

absl::Status RolloutEngine::Act(RolloutRuntime& r, bool fresh_router) {
  absl::Status outcome;
  std::optional<Transition> t = Perform(r, fresh_router, &outcome);
  if (!t.has_value()) return absl::OkStatus();
  if (absl::Status s = Commit(r, *t, std::nullopt); !s.ok()) return s;
  return outcome;
}

}  // namespace kanarya::engine
