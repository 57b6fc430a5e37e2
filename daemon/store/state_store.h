// Durable state of every rollout: the rollout itself, its append-only event
// log with sequence numbers, and the per-tick observations the analysis saw
// (so a restarted daemon rebuilds each analysis exactly by replaying them).
// Every Commit, and every CommitBatch as a whole, is atomic: after a crash
// either all of it is stored or none. Implementations are thread-safe.
#ifndef KANARYA_DAEMON_STORE_STATE_STORE_H_
#define KANARYA_DAEMON_STORE_STATE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::store {

// One atomic change of one rollout.
struct Mutation {
  // The rollout's new state; replaces the stored one (inserted when new).
  v1::Rollout rollout;
  // Appended to the log; the store assigns their sequence numbers and sets
  // rollout.status.event_sequence to the last one.
  std::vector<v1::RolloutEvent> events;
  // Appended to the observations of the rollout's current attempt.
  std::optional<v1::Tick> tick;
  // Appended to the observations of the rollout's current attempt before
  // `tick`, in order (the baseline's history, read before the rollout).
  std::vector<v1::Tick> history;
};

struct RolloutFilter {
  std::string namespace_name;     // empty: any
  std::string virtual_service;    // empty: any
  std::vector<v1::Phase> phases;  // empty: any
  std::string revision;           // empty: any
  std::string after_name;         // pagination: names sorted ascending
  int limit = 100;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // AlreadyExists when `new_rollout` is set and the name is taken.
  // Returns the last sequence number assigned (or the current one when no
  // event was appended).
  // NotFound when `new_rollout` is not set and the rollout is not stored.
  // The store sets each event's `rollout` to the rollout's name, and the
  // stored status.event_sequence to the rollout's newest event (the
  // caller's value is ignored); sequence numbers are global across rollouts.
  virtual absl::StatusOr<int64_t> Commit(const Mutation& mutation, bool new_rollout) = 0;
  // Updates of stored rollouts in one transaction (one sync to disk), applied
  // in order as that many Commits would be (a rollout may appear twice).
  // Returns each mutation's last sequence number. When any of them fails
  // (NotFound, InvalidArgument, I/O) none is stored. An empty batch is a no-op.
  virtual absl::StatusOr<std::vector<int64_t>> CommitBatch(std::span<const Mutation> updates) = 0;

  // NotFound when there is no such rollout.
  virtual absl::StatusOr<v1::Rollout> GetRollout(const std::string& name) = 0;
  // At most filter.limit (clamped to 1..1000) rollouts, sorted by name.
  virtual absl::StatusOr<std::vector<v1::Rollout>> ListRollouts(const RolloutFilter& filter) = 0;
  // Events of one rollout after `after_sequence`, ascending, at most `limit`.
  // NotFound (for this and ListTicks) when there is no such rollout.
  virtual absl::StatusOr<std::vector<v1::RolloutEvent>> ListEvents(const std::string& name,
                                                                   int64_t after_sequence,
                                                                   int limit) = 0;
  // The newest `limit` events of one rollout, newest first (a reader that
  // wants the tail of a long log need not read all of it).
  virtual absl::StatusOr<std::vector<v1::RolloutEvent>> ListRecentEvents(const std::string& name,
                                                                         int limit) = 0;
  // The observations of one attempt, in the order they were committed.
  virtual absl::StatusOr<std::vector<v1::Tick>> ListTicks(const std::string& name,
                                                          int32_t attempt) = 0;
};

using StateStorePtr = std::unique_ptr<StateStore>;

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_STATE_STORE_H_
