// Test support: a RolloutController that accepts every call and records its
// caller, so that a call the access layer lets through answers OK and one it
// stops never reaches it. Rollouts: "shop-web" (namespace shop) and
// "bank-web" (bank), both finished, and "shop-live" (shop), progressing,
// for watches that stay open. Header-only; thread-safe.
#ifndef KANARYA_DAEMON_API_TESTING_PERMISSIVE_CONTROLLER_H_
#define KANARYA_DAEMON_API_TESTING_PERMISSIVE_CONTROLLER_H_

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "daemon/engine/rollout_controller.h"

namespace kanarya::api::testing {

class PermissiveController final : public engine::RolloutController {
 public:
  PermissiveController() {
    Add("shop-web", "shop", v1::PHASE_SUCCEEDED);
    Add("bank-web", "bank", v1::PHASE_SUCCEEDED);
    Add("shop-live", "shop", v1::PHASE_PROGRESSING);
  }

  absl::StatusOr<v1::CreateRolloutResponse> Create(const v1::CreateRolloutRequest& request,
                                                   const engine::Caller& caller) override {
    Record("CreateRollout", caller);
    v1::CreateRolloutResponse response;
    *response.mutable_rollout()->mutable_spec() = request.spec();
    response.set_created(true);
    return response;
  }
  absl::StatusOr<v1::GetRolloutResponse> Get(const v1::GetRolloutRequest& request) override {
    auto it = rollouts_.find(request.name());
    if (it == rollouts_.end()) return absl::NotFoundError("no rollout named " + request.name());
    v1::GetRolloutResponse response;
    *response.mutable_rollout() = it->second;
    return response;
  }
  absl::StatusOr<v1::ListRolloutsResponse> List(const v1::ListRolloutsRequest& request) override {
    v1::ListRolloutsResponse response;
    for (const auto& [name, rollout] : rollouts_) {
      if (request.namespace_().empty() ||
          rollout.spec().target().namespace_() == request.namespace_()) {
        *response.add_rollouts() = rollout;
      }
    }
    return response;
  }
  absl::StatusOr<v1::Rollout> Pause(const v1::PauseRolloutRequest& r,
                                    const engine::Caller& caller) override {
    return Act("PauseRollout", r.name(), caller);
  }
  absl::StatusOr<v1::Rollout> Resume(const v1::ResumeRolloutRequest& r,
                                     const engine::Caller& caller) override {
    return Act("ResumeRollout", r.name(), caller);
  }
  absl::StatusOr<v1::Rollout> Promote(const v1::PromoteRolloutRequest& r,
                                      const engine::Caller& caller) override {
    return Act("PromoteRollout", r.name(), caller);
  }
  absl::StatusOr<v1::Rollout> Abort(const v1::AbortRolloutRequest& r,
                                    const engine::Caller& caller) override {
    return Act("AbortRollout", r.name(), caller);
  }
  absl::StatusOr<v1::Rollout> Approve(const v1::ApproveRolloutRequest& r,
                                      const engine::Caller& caller) override {
    return Act("ApproveRollout", r.name(), caller);
  }
  absl::StatusOr<v1::Rollout> Retry(const v1::RetryRolloutRequest& r,
                                    const engine::Caller& caller) override {
    return Act("RetryRollout", r.name(), caller);
  }
  absl::StatusOr<std::vector<v1::RolloutEvent>> WaitForEvents(const std::string& name,
                                                              int64_t /*after_sequence*/,
                                                              int /*limit*/,
                                                              absl::Time deadline) override {
    if (!rollouts_.contains(name)) return absl::NotFoundError(name);
    absl::SleepFor(
        std::clamp(deadline - absl::Now(), absl::ZeroDuration(), absl::Milliseconds(50)));
    return std::vector<v1::RolloutEvent>{};
  }

  // "METHOD principal/role" of every call that reached the controller.
  std::vector<std::string> calls() const {
    absl::MutexLock lock(&mutex_);
    return calls_;
  }
  void ClearCalls() {
    absl::MutexLock lock(&mutex_);
    calls_.clear();
  }

 private:
  void Add(const std::string& name, const std::string& namespace_name, v1::Phase phase) {
    v1::Rollout& rollout = rollouts_[name];
    rollout.set_name(name);
    rollout.mutable_spec()->mutable_target()->set_namespace_(namespace_name);
    rollout.mutable_status()->set_phase(phase);
  }
  void Record(const std::string& method, const engine::Caller& caller) {
    absl::MutexLock lock(&mutex_);
    calls_.push_back(absl::StrCat(method, " ", caller.principal, "/", caller.role));
  }
  absl::StatusOr<v1::Rollout> Act(const std::string& method, const std::string& name,
                                  const engine::Caller& caller) {
    Record(method, caller);
    return rollouts_.at(name);
  }

  std::map<std::string, v1::Rollout> rollouts_;  // fixed after construction
  mutable absl::Mutex mutex_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace kanarya::api::testing

#endif  // KANARYA_DAEMON_API_TESTING_PERMISSIVE_CONTROLLER_H_
