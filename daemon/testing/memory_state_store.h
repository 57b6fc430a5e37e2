// Test double: a StateStore in memory with the contract of the real one
// (atomic commits, global event sequence, filters, pagination), and a crash
// switch: after a set number of commits every further Commit fails and
// stores nothing, as if the daemon had died right after the last one.
// Thread-safe.
#ifndef KANARYA_DAEMON_TESTING_MEMORY_STATE_STORE_H_
#define KANARYA_DAEMON_TESTING_MEMORY_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/store/state_store.h"

namespace kanarya::testing {

class MemoryStateStore final : public store::StateStore {
 public:
  absl::StatusOr<int64_t> Commit(const store::Mutation& mutation, bool new_rollout) override;
  absl::StatusOr<v1::Rollout> GetRollout(const std::string& name) override;
  absl::StatusOr<std::vector<v1::Rollout>> ListRollouts(
      const store::RolloutFilter& filter) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListEvents(const std::string& name,
                                                           int64_t after_sequence,
                                                           int limit) override;
  absl::StatusOr<std::vector<v1::Tick>> ListTicks(const std::string& name,
                                                  int32_t attempt) override;

  // After `commits` more successful commits, Commit fails with Unavailable
  // (nullopt: never).
  void CrashAfter(std::optional<int> commits);
  int64_t commit_count() const;
  // True once a commit was refused by the crash switch.
  bool crashed() const;

 private:
  mutable absl::Mutex mutex_;
  std::map<std::string, v1::Rollout> rollouts_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::vector<v1::RolloutEvent>> events_ ABSL_GUARDED_BY(mutex_);
  std::map<std::pair<std::string, int32_t>, std::vector<v1::Tick>> ticks_ ABSL_GUARDED_BY(mutex_);
  int64_t sequence_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t commits_ ABSL_GUARDED_BY(mutex_) = 0;
  std::optional<int64_t> crash_at_ ABSL_GUARDED_BY(mutex_);
  bool crashed_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace kanarya::testing

#endif  // KANARYA_DAEMON_TESTING_MEMORY_STATE_STORE_H_
