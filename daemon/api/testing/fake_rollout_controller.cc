#include "daemon/api/testing/fake_rollout_controller.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kanarya::api::testing {
namespace {

bool SameTarget(const v1::RolloutSpec& a, const v1::RolloutSpec& b) {
  return a.target().namespace_() == b.target().namespace_() &&
         a.target().virtual_service() == b.target().virtual_service();
}

bool IsActive(v1::Phase phase) {
  return phase != v1::PHASE_SUCCEEDED && phase != v1::PHASE_ROLLED_BACK &&
         phase != v1::PHASE_ABORTED && phase != v1::PHASE_FAILED;
}

struct LogSize {
  const std::vector<v1::RolloutEvent>* events;
  size_t size;
};

bool LogGrew(LogSize* seen) { return seen->events->size() != seen->size; }

}  // namespace

absl::StatusOr<v1::CreateRolloutResponse> FakeRolloutController::Create(
    const v1::CreateRolloutRequest& request, const engine::Caller& caller) {
  if (request.spec().revision().empty()) {
    return absl::InvalidArgumentError("spec.revision: required");
  }
  absl::MutexLock lock(&mutex_);
  v1::CreateRolloutResponse response;
  for (const auto& [name, rollout] : rollouts_) {
    if (!SameTarget(rollout.spec(), request.spec()) || !IsActive(rollout.status().phase())) {
      continue;
    }
    if (rollout.spec().revision() == request.spec().revision()) {
      *response.mutable_rollout() = rollout;
      response.set_created(false);
      return response;
    }
    return absl::AlreadyExistsError(absl::StrCat("target has an active rollout ", name,
                                                 " of revision ", rollout.spec().revision()));
  }
  v1::Rollout rollout;
  rollout.set_name(absl::StrCat("rollout-", rollouts_.size() + 1));
  *rollout.mutable_spec() = request.spec();
  rollout.set_created_by(caller.principal);
  rollout.mutable_status()->set_phase(v1::PHASE_PROGRESSING);
  rollout.mutable_status()->set_step_index(-1);
  v1::RolloutEvent created;
  created.set_type(v1::EVENT_TYPE_CREATED);
  created.set_phase_after(v1::PHASE_PROGRESSING);
  created.set_reason(request.reason());
  Log(rollout, std::move(created));
  rollouts_[rollout.name()] = rollout;
  *response.mutable_rollout() = std::move(rollout);
  response.set_created(true);
  return response;
}

absl::StatusOr<v1::GetRolloutResponse> FakeRolloutController::Get(
    const v1::GetRolloutRequest& request) {
  absl::MutexLock lock(&mutex_);
  auto it = rollouts_.find(request.name());
  if (it == rollouts_.end()) return absl::NotFoundError(absl::StrCat("rollout ", request.name()));
  v1::GetRolloutResponse response;
  *response.mutable_rollout() = it->second;
  for (const v1::RolloutEvent& event : events_) {
    if (event.rollout() == request.name()) *response.add_events() = event;
  }
  const int excess = response.events_size() - request.event_limit();
  if (excess > 0) response.mutable_events()->DeleteSubrange(0, excess);
  return response;
}

absl::StatusOr<v1::ListRolloutsResponse> FakeRolloutController::List(
    const v1::ListRolloutsRequest& request) {
  absl::MutexLock lock(&mutex_);
  v1::ListRolloutsResponse response;
  const int page_size = request.page_size() > 0 ? request.page_size() : 100;
  for (auto it = rollouts_.upper_bound(request.page_token()); it != rollouts_.end(); ++it) {
    if (!request.namespace_().empty() &&
        it->second.spec().target().namespace_() != request.namespace_()) {
      continue;
    }
    if (response.rollouts_size() == page_size) {
      response.set_next_page_token(response.rollouts(page_size - 1).name());
      break;
    }
    *response.add_rollouts() = it->second;
  }
  return response;
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Pause(const v1::PauseRolloutRequest& request,
                                                         const engine::Caller& caller) {
  return Transition(request.name(), "PauseRollout", request.reason(), caller,
                    {v1::PHASE_PROGRESSING, v1::PHASE_AWAITING_APPROVAL}, v1::PHASE_PAUSED, -1);
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Resume(const v1::ResumeRolloutRequest& request,
                                                          const engine::Caller& caller) {
  return Transition(request.name(), "ResumeRollout", request.reason(), caller, {v1::PHASE_PAUSED},
                    v1::PHASE_PROGRESSING, -1);
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Promote(const v1::PromoteRolloutRequest& request,
                                                           const engine::Caller& caller) {
  return Transition(request.name(), "PromoteRollout", request.reason(), caller,
                    {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED},
                    request.full() ? v1::PHASE_SUCCEEDED : v1::PHASE_PROGRESSING,
                    request.full() ? 100 : -1);
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Abort(const v1::AbortRolloutRequest& request,
                                                         const engine::Caller& caller) {
  return Transition(request.name(), "AbortRollout", request.reason(), caller,
                    {v1::PHASE_PROGRESSING, v1::PHASE_PAUSED, v1::PHASE_AWAITING_APPROVAL},
                    v1::PHASE_ABORTED, 0);
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Approve(const v1::ApproveRolloutRequest& request,
                                                           const engine::Caller& caller) {
  return Transition(request.name(), "ApproveRollout", request.reason(), caller,
                    {v1::PHASE_AWAITING_APPROVAL}, v1::PHASE_PROGRESSING, -1);
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Retry(const v1::RetryRolloutRequest& request,
                                                         const engine::Caller& caller) {
  return Transition(request.name(), "RetryRollout", request.reason(), caller,
                    {v1::PHASE_ROLLED_BACK, v1::PHASE_ABORTED}, v1::PHASE_PROGRESSING, 0);
}

absl::StatusOr<std::vector<v1::RolloutEvent>> FakeRolloutController::WaitForEvents(
    const std::string& name, int64_t after_sequence, int limit, absl::Time deadline) {
  absl::MutexLock lock(&mutex_);
  ++wait_calls_;
  if (!rollouts_.contains(name)) return absl::NotFoundError(absl::StrCat("rollout ", name));
  auto newer = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    std::vector<v1::RolloutEvent> found;
    for (const v1::RolloutEvent& event : events_) {
      if (event.rollout() == name && event.sequence() > after_sequence &&
          static_cast<int>(found.size()) < limit) {
        found.push_back(event);
      }
    }
    return found;
  };
  std::vector<v1::RolloutEvent> found = newer();
  LogSize seen{&events_, events_.size()};
  while (found.empty() && mutex_.AwaitWithDeadline(absl::Condition(&LogGrew, &seen), deadline)) {
    seen.size = events_.size();
    found = newer();
  }
  return found;
}

absl::Status FakeRolloutController::Advance(const std::string& name, v1::Phase phase, int weight) {
  absl::MutexLock lock(&mutex_);
  auto it = rollouts_.find(name);
  if (it == rollouts_.end()) return absl::NotFoundError(name);
  v1::RolloutEvent event;
  event.set_type(v1::EVENT_TYPE_PHASE_CHANGED);
  event.set_phase_before(it->second.status().phase());
  event.set_phase_after(phase);
  event.set_canary_weight(weight);
  it->second.mutable_status()->set_phase(phase);
  it->second.mutable_status()->set_canary_weight(weight);
  Log(it->second, std::move(event));
  return absl::OkStatus();
}

int FakeRolloutController::wait_calls() const {
  absl::MutexLock lock(&mutex_);
  return wait_calls_;
}

absl::StatusOr<v1::Rollout> FakeRolloutController::Transition(
    const std::string& name, const std::string& action, const std::string& reason,
    const engine::Caller& caller, const std::vector<v1::Phase>& allowed_from, v1::Phase to,
    int weight) {
  absl::MutexLock lock(&mutex_);
  auto it = rollouts_.find(name);
  if (it == rollouts_.end()) return absl::NotFoundError(absl::StrCat("rollout ", name));
  v1::Rollout& rollout = it->second;
  const v1::Phase from = rollout.status().phase();
  if (std::find(allowed_from.begin(), allowed_from.end(), from) == allowed_from.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(action, " is not allowed in phase ", v1::Phase_Name(from)));
  }
  v1::RolloutEvent event;
  event.set_type(v1::EVENT_TYPE_OPERATOR_ACTION);
  event.set_phase_before(from);
  event.set_phase_after(to);
  event.set_action(action);
  event.set_reason(reason);
  event.set_actor(caller.principal);
  event.set_role(caller.role);
  rollout.mutable_status()->set_phase(to);
  if (weight >= 0) rollout.mutable_status()->set_canary_weight(weight);
  Log(rollout, std::move(event));
  return rollout;
}

void FakeRolloutController::Log(v1::Rollout& rollout, v1::RolloutEvent event) {
  event.set_sequence(next_sequence_++);
  event.set_rollout(rollout.name());
  event.set_canary_weight(rollout.status().canary_weight());
  rollout.mutable_status()->set_event_sequence(event.sequence());
  events_.push_back(std::move(event));
}

}  // namespace kanarya::api::testing
