// A StateStore in memory with the contract of the SQLite one (atomic commits
// and batches, global event sequence, filters, pagination), for backtests and
// tests: nothing survives the process. Thread-safe.
#ifndef KANARYA_DAEMON_STORE_MEMORY_STATE_STORE_H_
#define KANARYA_DAEMON_STORE_MEMORY_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/store/state_store.h"

namespace kanarya::store {

class MemoryStateStore final : public StateStore {
 public:
  absl::StatusOr<int64_t> Commit(const Mutation& mutation, bool new_rollout) override;
  absl::StatusOr<std::vector<int64_t>> CommitBatch(std::span<const Mutation> updates) override;
  absl::StatusOr<v1::Rollout> GetRollout(const std::string& name) override;
  absl::StatusOr<std::vector<v1::Rollout>> ListRollouts(const RolloutFilter& filter) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListEvents(const std::string& name,
                                                           int64_t after_sequence,
                                                           int limit) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListRecentEvents(const std::string& name,
                                                                 int limit) override;
  absl::StatusOr<std::vector<v1::Tick>> ListTicks(const std::string& name,
                                                  int32_t attempt) override;

 private:
  // OK when every one of `mutations` may be stored now.
  absl::Status Admit(std::span<const Mutation> mutations, bool new_rollout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Stores one admitted mutation; its last sequence number.
  int64_t Apply(const Mutation& mutation) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  std::map<std::string, v1::Rollout> rollouts_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::vector<v1::RolloutEvent>> events_ ABSL_GUARDED_BY(mutex_);
  std::map<std::pair<std::string, int32_t>, std::vector<v1::Tick>> ticks_ ABSL_GUARDED_BY(mutex_);
  int64_t sequence_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_MEMORY_STATE_STORE_H_
