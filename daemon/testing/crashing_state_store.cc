#include "daemon/testing/crashing_state_store.h"

namespace kanarya::testing {

void CrashingStateStore::Replace(store::StateStore& inner) {
  absl::MutexLock lock(&mutex_);
  inner_ = &inner;
}

store::StateStore& CrashingStateStore::Inner() {
  absl::MutexLock lock(&mutex_);
  return *inner_;
}

absl::Status CrashingStateStore::Admit(int64_t count) {
  if (crash_at_ && commits_ + count > *crash_at_) {
    crashed_ = true;
    return absl::UnavailableError("crashing store: the daemon died (commit refused)");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CrashingStateStore::Commit(const store::Mutation& mutation,
                                                   bool new_rollout) {
  absl::MutexLock lock(&mutex_);
  if (absl::Status s = Admit(1); !s.ok()) return s;
  absl::StatusOr<int64_t> sequence = inner_->Commit(mutation, new_rollout);
  if (sequence.ok()) {
    ++commits_;
    ++transactions_;
  }
  return sequence;
}

absl::StatusOr<std::vector<int64_t>> CrashingStateStore::CommitBatch(
    std::span<const store::Mutation> updates) {
  absl::MutexLock lock(&mutex_);
  if (absl::Status s = Admit(static_cast<int64_t>(updates.size())); !s.ok()) return s;
  absl::StatusOr<std::vector<int64_t>> sequences = inner_->CommitBatch(updates);
  if (sequences.ok() && !updates.empty()) {
    commits_ += static_cast<int64_t>(updates.size());
    ++transactions_;
  }
  return sequences;
}

absl::StatusOr<v1::Rollout> CrashingStateStore::GetRollout(const std::string& name) {
  return Inner().GetRollout(name);
}

absl::StatusOr<std::vector<v1::Rollout>> CrashingStateStore::ListRollouts(
    const store::RolloutFilter& filter) {
  return Inner().ListRollouts(filter);
}

absl::StatusOr<std::vector<v1::RolloutEvent>> CrashingStateStore::ListEvents(
    const std::string& name, int64_t after_sequence, int limit) {
  return Inner().ListEvents(name, after_sequence, limit);
}

absl::StatusOr<std::vector<v1::RolloutEvent>> CrashingStateStore::ListRecentEvents(
    const std::string& name, int limit) {
  return Inner().ListRecentEvents(name, limit);
}

absl::StatusOr<std::vector<v1::Tick>> CrashingStateStore::ListTicks(const std::string& name,
                                                                    int32_t attempt) {
  return Inner().ListTicks(name, attempt);
}

void CrashingStateStore::CrashAfter(std::optional<int64_t> mutations) {
  absl::MutexLock lock(&mutex_);
  crash_at_.reset();
  crashed_ = false;
  if (mutations) crash_at_ = commits_ + *mutations;
}

bool CrashingStateStore::crashed() const {
  absl::MutexLock lock(&mutex_);
  return crashed_;
}

int64_t CrashingStateStore::commit_count() const {
  absl::MutexLock lock(&mutex_);
  return commits_;
}

int64_t CrashingStateStore::transaction_count() const {
  absl::MutexLock lock(&mutex_);
  return transactions_;
}

}  // namespace kanarya::testing
