#include "daemon/store/memory_state_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kanarya::store {

absl::StatusOr<int64_t> MemoryStateStore::Commit(const Mutation& mutation, bool new_rollout) {
  absl::MutexLock lock(&mutex_);
  if (absl::Status s = Admit(std::span(&mutation, 1), new_rollout); !s.ok()) return s;
  return Apply(mutation);
}

absl::StatusOr<std::vector<int64_t>> MemoryStateStore::CommitBatch(
    std::span<const Mutation> updates) {
  absl::MutexLock lock(&mutex_);
  if (absl::Status s = Admit(updates, /*new_rollout=*/false); !s.ok()) return s;
  std::vector<int64_t> sequences;
  for (const Mutation& mutation : updates) sequences.push_back(Apply(mutation));
  return sequences;
}

absl::Status MemoryStateStore::Admit(std::span<const Mutation> mutations, bool new_rollout) {
  for (const Mutation& mutation : mutations) {
    const std::string& name = mutation.rollout.name();
    if (name.empty()) return absl::InvalidArgumentError("rollout.name: empty");
    const bool exists = rollouts_.contains(name);
    if (new_rollout && exists) return absl::AlreadyExistsError(absl::StrCat("rollout ", name));
    if (!new_rollout && !exists) return absl::NotFoundError(absl::StrCat("rollout ", name));
  }
  return absl::OkStatus();
}

int64_t MemoryStateStore::Apply(const Mutation& mutation) {
  const std::string& name = mutation.rollout.name();
  v1::Rollout rollout = mutation.rollout;
  const auto stored = rollouts_.find(name);
  int64_t last = stored == rollouts_.end() ? 0 : stored->second.status().event_sequence();
  for (const v1::RolloutEvent& event : mutation.events) {
    v1::RolloutEvent& appended = events_[name].emplace_back(event);
    appended.set_sequence(++sequence_);
    appended.set_rollout(name);
    last = appended.sequence();
  }
  rollout.mutable_status()->set_event_sequence(last);
  std::vector<v1::Tick>& ticks = ticks_[{name, rollout.status().attempt()}];
  ticks.insert(ticks.end(), mutation.history.begin(), mutation.history.end());
  if (mutation.tick) ticks.push_back(*mutation.tick);
  rollouts_[name] = std::move(rollout);
  return last;
}

absl::StatusOr<v1::Rollout> MemoryStateStore::GetRollout(const std::string& name) {
  absl::MutexLock lock(&mutex_);
  const auto it = rollouts_.find(name);
  if (it == rollouts_.end()) return absl::NotFoundError(absl::StrCat("no rollout named ", name));
  return it->second;
}

absl::StatusOr<std::vector<v1::Rollout>> MemoryStateStore::ListRollouts(
    const RolloutFilter& filter) {
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

absl::StatusOr<std::vector<v1::RolloutEvent>> MemoryStateStore::ListRecentEvents(
    const std::string& name, int limit) {
  absl::MutexLock lock(&mutex_);
  if (!rollouts_.contains(name)) return absl::NotFoundError(absl::StrCat("no rollout ", name));
  const std::vector<v1::RolloutEvent>& events = events_[name];
  const size_t keep = std::min(events.size(), static_cast<size_t>(std::max(limit, 1)));
  return std::vector<v1::RolloutEvent>(events.rbegin(), events.rbegin() + keep);
}

absl::StatusOr<std::vector<v1::Tick>> MemoryStateStore::ListTicks(const std::string& name,
                                                                  int32_t attempt) {
  absl::MutexLock lock(&mutex_);
  if (!rollouts_.contains(name)) return absl::NotFoundError(absl::StrCat("no rollout ", name));
  const auto it = ticks_.find({name, attempt});
  return it == ticks_.end() ? std::vector<v1::Tick>{} : it->second;
}

}  // namespace kanarya::store
