// An in-memory RolloutController for the API's tests: rollouts named
// "rollout-1", "rollout-2"..., an event log with global sequence numbers,
// the phase rules of the real engine for pause/resume/abort/retry/approve/
// promote, and Advance() to play the engine's part. Thread-safe.
#ifndef KANARYA_DAEMON_API_TESTING_FAKE_ROLLOUT_CONTROLLER_H_
#define KANARYA_DAEMON_API_TESTING_FAKE_ROLLOUT_CONTROLLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/engine/rollout_controller.h"

namespace kanarya::api::testing {

class FakeRolloutController final : public engine::RolloutController {
 public:
  absl::StatusOr<v1::CreateRolloutResponse> Create(const v1::CreateRolloutRequest& request,
                                                   const engine::Caller& caller) override;
  absl::StatusOr<v1::GetRolloutResponse> Get(const v1::GetRolloutRequest& request) override;
  absl::StatusOr<v1::ListRolloutsResponse> List(const v1::ListRolloutsRequest& request) override;
  absl::StatusOr<v1::Rollout> Pause(const v1::PauseRolloutRequest& request,
                                    const engine::Caller& caller) override;
  absl::StatusOr<v1::Rollout> Resume(const v1::ResumeRolloutRequest& request,
                                     const engine::Caller& caller) override;
  absl::StatusOr<v1::Rollout> Promote(const v1::PromoteRolloutRequest& request,
                                      const engine::Caller& caller) override;
  absl::StatusOr<v1::Rollout> Abort(const v1::AbortRolloutRequest& request,
                                    const engine::Caller& caller) override;
  absl::StatusOr<v1::Rollout> Approve(const v1::ApproveRolloutRequest& request,
                                      const engine::Caller& caller) override;
  absl::StatusOr<v1::Rollout> Retry(const v1::RetryRolloutRequest& request,
                                    const engine::Caller& caller) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> WaitForEvents(const std::string& name,
                                                              int64_t after_sequence, int limit,
                                                              absl::Time deadline) override;

  // Plays the engine: moves the rollout to `phase` at `weight`, logging it.
  absl::Status Advance(const std::string& name, v1::Phase phase, int weight)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Calls of WaitForEvents so far (a cancelled watch stops making them).
  int wait_calls() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  absl::StatusOr<v1::Rollout> Transition(const std::string& name, const std::string& action,
                                         const std::string& reason, const engine::Caller& caller,
                                         const std::vector<v1::Phase>& allowed_from, v1::Phase to,
                                         int weight) ABSL_LOCKS_EXCLUDED(mutex_);
  void Log(v1::Rollout& rollout, v1::RolloutEvent event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  std::map<std::string, v1::Rollout> rollouts_ ABSL_GUARDED_BY(mutex_);
  std::vector<v1::RolloutEvent> events_ ABSL_GUARDED_BY(mutex_);
  int64_t next_sequence_ ABSL_GUARDED_BY(mutex_) = 1;
  int wait_calls_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace kanarya::api::testing

#endif  // KANARYA_DAEMON_API_TESTING_FAKE_ROLLOUT_CONTROLLER_H_
