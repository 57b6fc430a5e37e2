// Test double: a StateStore that forwards to another one (the in-memory
// double or SQLite) and can crash: after a set number of mutations stored,
// every further commit fails and stores nothing, as if the daemon had died
// right after the last one. A batch that would cross that point is refused
// whole, as a transaction cut short by the crash is. Counts mutations and
// transactions. Thread-safe; the inner store must outlive its use here.
#ifndef KANARYA_DAEMON_TESTING_CRASHING_STATE_STORE_H_
#define KANARYA_DAEMON_TESTING_CRASHING_STATE_STORE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/store/state_store.h"

namespace kanarya::testing {

class CrashingStateStore final : public store::StateStore {
 public:
  explicit CrashingStateStore(store::StateStore& inner) : inner_(&inner) {}

  // Forwards to `inner` from now on (the same data reopened after a restart).
  void Replace(store::StateStore& inner);

  absl::StatusOr<int64_t> Commit(const store::Mutation& mutation, bool new_rollout) override;
  absl::StatusOr<std::vector<int64_t>> CommitBatch(
      std::span<const store::Mutation> updates) override;
  absl::StatusOr<v1::Rollout> GetRollout(const std::string& name) override;
  absl::StatusOr<std::vector<v1::Rollout>> ListRollouts(
      const store::RolloutFilter& filter) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListEvents(const std::string& name,
                                                           int64_t after_sequence,
                                                           int limit) override;
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListRecentEvents(const std::string& name,
                                                                 int limit) override;
  absl::StatusOr<std::vector<v1::Tick>> ListTicks(const std::string& name,
                                                  int32_t attempt) override;

  // After `mutations` more mutations are stored, every commit fails with
  // Unavailable (nullopt: never).
  void CrashAfter(std::optional<int64_t> mutations);
  // True once a commit was refused by the crash switch.
  bool crashed() const;
  // Mutations stored (a batch counts each of its updates).
  int64_t commit_count() const;
  // Transactions stored: each Commit, and each non-empty CommitBatch once.
  int64_t transaction_count() const;

 private:
  store::StateStore& Inner() ABSL_LOCKS_EXCLUDED(mutex_);
  // OK when `count` more mutations may be stored now.
  absl::Status Admit(int64_t count) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // Held across the inner commit, so the counts match what was stored.
  mutable absl::Mutex mutex_;
  store::StateStore* inner_ ABSL_GUARDED_BY(mutex_);
  int64_t commits_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t transactions_ ABSL_GUARDED_BY(mutex_) = 0;
  std::optional<int64_t> crash_at_ ABSL_GUARDED_BY(mutex_);
  bool crashed_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace kanarya::testing

#endif  // KANARYA_DAEMON_TESTING_CRASHING_STATE_STORE_H_
