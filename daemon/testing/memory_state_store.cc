#include "daemon/testing/memory_state_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kanarya::testing {

absl::StatusOr<int64_t> MemoryStateStore::Commit(const store::Mutation& mutation,
                                                 bool new_rollout) {
  absl::MutexLock lock(&mutex_);
  if (crash_at_ && commits_ >= *crash_at_) {
    crashed_ = true;
    return absl::UnavailableError("memory store: crashed (commit refused)");
  }
  const std::string& name = mutation.rollout.name();
  if (name.empty()) return absl::InvalidArgumentError("rollout.name: empty");
  const bool exists = rollouts_.contains(name);
  if (new_rollout && exists) return absl::AlreadyExistsError(absl::StrCat("rollout ", name));
  if (!new_rollout && !exists) return absl::NotFoundError(absl::StrCat("rollout ", name));
  v1::Rollout rollout = mutation.rollout;
  const int64_t previous = exists ? rollouts_[name].status().event_sequence() : 0;
  int64_t last = previous;
  for (const v1::RolloutEvent& event : mutation.events) {
    v1::RolloutEvent stored = event;
    stored.set_sequence(++sequence_);
    stored.set_rollout(name);
    last = stored.sequence();
    events_[name].push_back(std::move(stored));
  }
  rollout.mutable_status()->set_event_sequence(last);
  if (mutation.tick) ticks_[{name, rollout.status().attempt()}].push_back(*mutation.tick);
  rollouts_[name] = std::move(rollout);
  ++commits_;
  return last;
}

absl::StatusOr<v1::Rollout> MemoryStateStore::GetRollout(const std::string& name) {
  absl::MutexLock lock(&mutex_);
  const auto it = rollouts_.find(name);
  if (it == rollouts_.end()) return absl::NotFoundError(absl::StrCat("no rollout named ", name));
  return it->second;
}

absl::StatusOr<std::vector<v1::Rollout>> MemoryStateStore::ListRollouts(
    const store::RolloutFilter& filter) {
  absl::MutexLock lock(&mutex_);
  std::vector<v1::Rollout> out;
  for (auto it = rollouts_.upper_bound(filter.after_name);
       it != rollouts_.end() && static_cast<int>(out.size()) < filter.limit; ++it) {
    const v1::Rollout& r = it->second;
    const v1::RolloutTarget& target = r.spec().target();
    if (!filter.namespace_name.empty() && target.namespace_() != filter.namespace_name) continue;
    if (!filter.virtual_service.empty() && target.virtual_service() != filter.virtual_service) {
      continue;
    }
    if (!filter.revision.empty() && r.spec().revision() != filter.revision) continue;
    if (!filter.phases.empty() && std::find(filter.phases.begin(), filter.phases.end(),
                                            r.status().phase()) == filter.phases.end()) {
      continue;
    }
    out.push_back(r);
  }
  return out;
}

absl::StatusOr<std::vector<v1::RolloutEvent>> MemoryStateStore::ListEvents(const std::string& name,
                                                                           int64_t after_sequence,
                                                                           int limit) {
  absl::MutexLock lock(&mutex_);
  if (!rollouts_.contains(name)) return absl::NotFoundError(absl::StrCat("no rollout ", name));
  std::vector<v1::RolloutEvent> out;
  for (const v1::RolloutEvent& event : events_[name]) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (event.sequence() > after_sequence) out.push_back(event);
  }
  return out;
}

absl::StatusOr<std::vector<v1::Tick>> MemoryStateStore::ListTicks(const std::string& name,
                                                                  int32_t attempt) {
  absl::MutexLock lock(&mutex_);
  if (!rollouts_.contains(name)) return absl::NotFoundError(absl::StrCat("no rollout ", name));
  const auto it = ticks_.find({name, attempt});
  return it == ticks_.end() ? std::vector<v1::Tick>{} : it->second;
}

void MemoryStateStore::CrashAfter(std::optional<int> commits) {
  absl::MutexLock lock(&mutex_);
  crash_at_.reset();
  crashed_ = false;
  if (commits) crash_at_ = commits_ + *commits;
}

int64_t MemoryStateStore::commit_count() const {
  absl::MutexLock lock(&mutex_);
  return commits_;
}

bool MemoryStateStore::crashed() const {
  absl::MutexLock lock(&mutex_);
  return crashed_;
}

}  // namespace kanarya::testing
