#include "daemon/engine/rollout_engine.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_names.h"
#include "daemon/spec/rollout_validation.h"

namespace kanarya::engine {
namespace {

constexpr int kMaxPageSize = 1000;
constexpr int kDefaultPageSize = 100;

bool SameTarget(const v1::RolloutSpec& a, const v1::RolloutSpec& b) {
  return a.target().namespace_() == b.target().namespace_() &&
         a.target().virtual_service() == b.target().virtual_service() &&
         a.target().route() == b.target().route();
}

absl::Status CheckProviders(const v1::RolloutSpec& spec, const ProviderLookup& providers) {
  for (int i = 0; i < spec.analysis().metrics_size(); ++i) {
    const std::string& name = spec.analysis().metrics(i).source().provider();
    if (providers(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("analysis.metrics[", i,
                                                     "].source.provider: no provider named \"",
                                                     name, "\" is configured"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

RolloutEngine::RolloutEngine(Clock& clock, store::StateStore& store, ProviderLookup providers,
                             RouterFactory routers, const EngineOptions& options)
    : clock_(clock),
      store_(store),
      providers_(std::move(providers)),
      routers_(std::move(routers)),
      options_(options) {}

RolloutEngine::~RolloutEngine() {
  stopping_ = true;
  if (preparer_.joinable()) preparer_.join();
}

absl::StatusOr<v1::CreateRolloutResponse> RolloutEngine::Create(
    const v1::CreateRolloutRequest& request, const Caller& caller) {
  if (absl::Status s = spec::ValidateRolloutSpec(request.spec(), {}, options_.allowed_hook_hosts);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckProviders(request.spec(), providers_); !s.ok()) return s;
  absl::MutexLock lock(&create_mutex_);
  return CreateLocked(request, caller);
}

absl::StatusOr<v1::CreateRolloutResponse> RolloutEngine::CreateLocked(
    const v1::CreateRolloutRequest& request, const Caller& caller) {
  const v1::RolloutSpec& spec = request.spec();
  // A retried call: the same revision on the same target.
  store::RolloutFilter same;
  same.namespace_name = spec.target().namespace_();
  same.virtual_service = spec.target().virtual_service();
  same.revision = spec.revision();
  same.limit = kMaxPageSize;
  absl::StatusOr<std::vector<v1::Rollout>> existing = store_.ListRollouts(same);
  if (!existing.ok()) return existing.status();
  for (const v1::Rollout& rollout : *existing) {
    if (SameTarget(rollout.spec(), spec)) {
      v1::CreateRolloutResponse response;
      v1::GetRolloutRequest get;
      get.set_name(rollout.name());
      absl::StatusOr<v1::GetRolloutResponse> current = Get(get);
      *response.mutable_rollout() = current.ok() ? current->rollout() : rollout;
      response.set_created(false);
      return response;
    }
  }
  if (absl::Status free = CheckTargetFree(spec, ""); !free.ok()) {
    if (!request.supersede() || free.code() != absl::StatusCode::kAlreadyExists) return free;
    // Roll the other revision back first, then start.
    std::vector<std::string> others;
    {
      absl::MutexLock lock(&mutex_);
      for (const auto& [name, r] : active_) {
        if (!IsFinal(r->rollout.status().phase()) && SameTarget(r->rollout.spec(), spec)) {
          others.push_back(name);
        }
      }
    }
    for (const std::string& other : others) {
      const std::string reason =
          absl::StrCat("superseded by revision ", spec.revision(),
                       request.reason().empty() ? "" : ": ", request.reason());
      absl::StatusOr<v1::Rollout> aborted = Operate(other, OperatorVerb::kAbort, reason, caller);
      if (!aborted.ok()) return aborted.status();
      if (aborted->status().phase() != v1::PHASE_ABORTED) {
        return absl::UnavailableError(absl::StrCat(
            "could not roll back ", other, " to supersede it: ", aborted->status().reason()));
      }
    }
  }

  const absl::Time now = clock_.Now();
  v1::Rollout rollout;
  *rollout.mutable_spec() = spec;
  rollout.set_created_by(caller.principal);
  *rollout.mutable_create_time() = ToProto(now);
  *rollout.mutable_update_time() = ToProto(now);
  v1::RolloutStatus& status = *rollout.mutable_status();
  status.set_phase(v1::PHASE_PENDING);
  status.set_step_index(-1);
  status.set_intent_applied(true);
  status.set_reason("created");
  *status.mutable_phase_time() = ToProto(now);
  absl::BitGen random;
  for (int attempt = 0;; ++attempt) {
    rollout.set_name(MakeRolloutName(spec.target().virtual_service(), spec.revision(),
                                     absl::Uniform<uint32_t>(random)));
    store::Mutation mutation{rollout, {}, std::nullopt};
    v1::RolloutEvent created;
    created.set_rollout(rollout.name());
    *created.mutable_time() = ToProto(now);
    created.set_type(v1::EVENT_TYPE_CREATED);
    created.set_phase_after(v1::PHASE_PENDING);
    created.set_step_index(-1);
    created.set_message(absl::StrCat("revision ", spec.revision(), " on ",
                                     spec.target().namespace_(), "/",
                                     spec.target().virtual_service()));
    v1::RolloutEvent action = created;
    action.set_type(v1::EVENT_TYPE_OPERATOR_ACTION);
    action.set_actor(caller.principal);
    action.set_role(caller.role);
    action.set_action("CreateRollout");
    action.set_reason(request.reason());
    mutation.events = {created, action};
    absl::StatusOr<int64_t> sequence = store_.Commit(mutation, /*new_rollout=*/true);
    if (sequence.status().code() == absl::StatusCode::kAlreadyExists && attempt < 3) continue;
    if (!sequence.ok()) return sequence.status();
    status.set_event_sequence(*sequence);
    break;
  }
  absl::StatusOr<RuntimePtr> runtime = LoadRuntime(rollout, store_);
  if (!runtime.ok()) return runtime.status();
  {
    absl::MutexLock lock(&mutex_);
    active_[rollout.name()] = *runtime;
    ++commits_;
  }
  NotifyWork();
  v1::CreateRolloutResponse response;
  *response.mutable_rollout() = rollout;
  response.set_created(true);
  return response;
}

absl::Status RolloutEngine::CheckTargetFree(const v1::RolloutSpec& spec,
                                            const std::string& except) {
  absl::MutexLock lock(&mutex_);
  for (const auto& [name, r] : active_) {
    const v1::Rollout& other = r->rollout;
    if (name != except && !IsFinal(other.status().phase()) && SameTarget(other.spec(), spec)) {
      return absl::AlreadyExistsError(
          absl::StrCat("rollout ", name, " (revision ", other.spec().revision(), ") is active on ",
                       spec.target().namespace_(), "/", spec.target().virtual_service(),
                       "; supersede it to replace it"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::GetRolloutResponse> RolloutEngine::Get(const v1::GetRolloutRequest& request) {
  v1::GetRolloutResponse response;
  {
    absl::MutexLock lock(&mutex_);
    if (const auto it = active_.find(request.name()); it != active_.end()) {
      *response.mutable_rollout() = it->second->rollout;
    }
  }
  if (!response.has_rollout()) {
    absl::StatusOr<v1::Rollout> stored = store_.GetRollout(request.name());
    if (!stored.ok()) return stored.status();
    *response.mutable_rollout() = *std::move(stored);
  }
  if (request.event_limit() > 0) {
    absl::StatusOr<std::vector<v1::RolloutEvent>> events =
        store_.ListRecentEvents(request.name(), request.event_limit());
    if (!events.ok()) return events.status();
    response.mutable_events()->Assign(events->rbegin(), events->rend());  // oldest first
  }
  return response;
}

absl::StatusOr<v1::ListRolloutsResponse> RolloutEngine::List(
    const v1::ListRolloutsRequest& request) {
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be in [0, ", kMaxPageSize, "], got ", request.page_size()));
  }
  store::RolloutFilter filter;
  filter.namespace_name = request.namespace_();
  filter.virtual_service = request.virtual_service();
  for (const int phase : request.phases()) filter.phases.push_back(static_cast<v1::Phase>(phase));
  filter.after_name = request.page_token();
  filter.limit = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  absl::StatusOr<std::vector<v1::Rollout>> rollouts = store_.ListRollouts(filter);
  if (!rollouts.ok()) return rollouts.status();
  v1::ListRolloutsResponse response;
  response.mutable_rollouts()->Assign(rollouts->begin(), rollouts->end());
  if (static_cast<int>(rollouts->size()) == filter.limit) {
    response.set_next_page_token(rollouts->back().name());
  }
  return response;
}

absl::StatusOr<v1::Rollout> RolloutEngine::Pause(const v1::PauseRolloutRequest& request,
                                                 const Caller& caller) {
  return Operate(request.name(), OperatorVerb::kPause, request.reason(), caller);
}
absl::StatusOr<v1::Rollout> RolloutEngine::Resume(const v1::ResumeRolloutRequest& request,
                                                  const Caller& caller) {
  return Operate(request.name(), OperatorVerb::kResume, request.reason(), caller);
}
absl::StatusOr<v1::Rollout> RolloutEngine::Promote(const v1::PromoteRolloutRequest& request,
                                                   const Caller& caller) {
  return Operate(request.name(),
                 request.full() ? OperatorVerb::kPromoteFull : OperatorVerb::kPromote,
                 request.reason(), caller);
}
absl::StatusOr<v1::Rollout> RolloutEngine::Abort(const v1::AbortRolloutRequest& request,
                                                 const Caller& caller) {
  return Operate(request.name(), OperatorVerb::kAbort, request.reason(), caller);
}
absl::StatusOr<v1::Rollout> RolloutEngine::Approve(const v1::ApproveRolloutRequest& request,
                                                   const Caller& caller) {
  return Operate(request.name(), OperatorVerb::kApprove, request.reason(), caller);
}
absl::StatusOr<v1::Rollout> RolloutEngine::Retry(const v1::RetryRolloutRequest& request,
                                                 const Caller& caller) {
  absl::MutexLock lock(&create_mutex_);
  return Operate(request.name(), OperatorVerb::kRetry, request.reason(), caller);
}

absl::StatusOr<RolloutEngine::RuntimePtr> RolloutEngine::Find(const std::string& name) {
  {
    absl::MutexLock lock(&mutex_);
    if (const auto it = active_.find(name); it != active_.end()) return it->second;
  }
  absl::StatusOr<v1::Rollout> stored = store_.GetRollout(name);
  if (!stored.ok()) return stored.status();
  absl::StatusOr<RuntimePtr> runtime = LoadRuntime(*stored, store_);
  if (!runtime.ok()) return runtime.status();
  absl::MutexLock lock(&mutex_);
  return active_.try_emplace(name, *runtime).first->second;  // a racing load wins
}

absl::StatusOr<v1::Rollout> RolloutEngine::Operate(const std::string& name, OperatorVerb verb,
                                                   const std::string& reason,
                                                   const Caller& caller) {
  absl::StatusOr<RuntimePtr> found = Find(name);
  if (!found.ok()) return found.status();
  RolloutRuntime& r = **found;
  absl::MutexLock op(&r.op);
  if (r.stale) {
    absl::StatusOr<v1::Rollout> reloaded = ReloadRuntime(r, store_);
    if (!reloaded.ok()) return reloaded.status();
    Publish(r, *reloaded);
  }
  if (verb == OperatorVerb::kRetry) {
    if (absl::Status free = CheckTargetFree(r.rollout.spec(), name); !free.ok()) return free;
  }
  absl::StatusOr<Transition> t =
      ApplyOperator(r.rollout, r.plan, {verb, reason, caller, clock_.Now()});
  if (!t.ok()) return t.status();
  if (verb == OperatorVerb::kRetry) {  // a fresh analysis for the new attempt
    r.session = std::make_unique<analysis::AnalysisSession>(r.plan.analysis);
    r.preflight_failures = 0;
    r.retry_at = absl::InfinitePast();
  }
  // An operator's traffic change re-asserts the intent: a new router adopts
  // the live split instead of reporting a human's edit as drift again.
  const bool acts = t->action != RouterAction::kNone;
  if (absl::Status s = Execute(r, *std::move(t), std::nullopt, acts); !s.ok() && r.stale) {
    return s;  // not stored
  }
  NotifyWork();
  return r.rollout;
}

absl::Status RolloutEngine::Commit(RolloutRuntime& r, Transition& t, std::optional<v1::Tick> tick) {
  absl::StatusOr<int64_t> sequence = store_.Commit({t.rollout, t.events, std::move(tick)}, false);
  if (!sequence.ok()) {
    r.stale = true;
    return sequence.status();
  }
  t.rollout.mutable_status()->set_event_sequence(*sequence);
  if (options_.on_commit) options_.on_commit(r.rollout, t.rollout, clock_.Now());
  Publish(r, t.rollout);
  return absl::OkStatus();
}

absl::Status RolloutEngine::Execute(RolloutRuntime& r, Transition t, std::optional<v1::Tick> tick,
                                    bool fresh_router) {
  if (absl::Status s = Commit(r, t, std::move(tick)); !s.ok()) return s;
  if (t.action == RouterAction::kNone) return absl::OkStatus();
  return Act(r, fresh_router);
}

void RolloutEngine::Publish(RolloutRuntime& r, v1::Rollout rollout) {
  absl::MutexLock lock(&mutex_);
  r.rollout = std::move(rollout);
  ++commits_;
  changed_.SignalAll();
}

void RolloutEngine::NotifyWork() {
  absl::MutexLock lock(&mutex_);
  work_ = true;
  changed_.SignalAll();
}

void RolloutEngine::WaitForWork(absl::Time deadline) {
  absl::MutexLock lock(&mutex_);
  while (!work_ && !changed_.WaitWithDeadline(&mutex_, deadline)) {
  }
  work_ = false;
}

absl::StatusOr<std::vector<v1::RolloutEvent>> RolloutEngine::WaitForEvents(const std::string& name,
                                                                           int64_t after_sequence,
                                                                           int limit,
                                                                           absl::Time deadline) {
  while (true) {
    int64_t seen;
    {
      absl::MutexLock lock(&mutex_);
      seen = commits_;
    }
    absl::StatusOr<std::vector<v1::RolloutEvent>> events =
        store_.ListEvents(name, after_sequence, limit);
    if (!events.ok() || !events->empty() || absl::Now() >= deadline) return events;
    absl::MutexLock lock(&mutex_);
    while (commits_ == seen) {
      if (changed_.WaitWithDeadline(&mutex_, deadline)) return std::vector<v1::RolloutEvent>{};
    }
  }
}

}  // namespace kanarya::engine
