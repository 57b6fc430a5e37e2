// StateStore on one SQLite database (`<data_dir>/kanarya.db`, WAL mode):
// rollouts as serialized protos plus indexed columns, a global event log and
// the per-tick observations. Errors are Statuses naming the operation: a
// corrupt row or a file that is not a database is DataLoss, a database from
// a newer schema is FailedPrecondition. Thread-safe: one writing and one
// reading connection, each under its mutex.
#ifndef KANARYA_DAEMON_STORE_SQLITE_STATE_STORE_H_
#define KANARYA_DAEMON_STORE_SQLITE_STATE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/store/sqlite_connection.h"
#include "daemon/store/state_store.h"

namespace kanarya::store {

struct SqliteStateStoreOptions {
  // FULL syncs the WAL on every commit: a Commit survives kill -9 and power
  // loss. NORMAL survives kill -9 only, a power cut may lose the newest
  // commits (bench/README.md measures the difference).
  bool synchronous_full = true;
  // How long a statement waits for a lock held by another connection.
  absl::Duration busy_timeout = absl::Seconds(5);
};

class SqliteStateStore final : public StateStore {
 public:
  // The file name inside the data directory.
  static constexpr char kFileName[] = "kanarya.db";

  // Creates `data_dir` and the database when missing and migrates the
  // schema to the newest version this build knows.
  static absl::StatusOr<StateStorePtr> Open(const std::string& data_dir,
                                            const SqliteStateStoreOptions& options = {});

  // InvalidArgument for a mutation whose rollout has no name.
  absl::StatusOr<int64_t> Commit(const Mutation& mutation, bool new_rollout) override;
  // One transaction, so one sync of the WAL however many updates it holds.
  absl::StatusOr<std::vector<int64_t>> CommitBatch(std::span<const Mutation> updates) override;
  absl::StatusOr<v1::Rollout> GetRollout(const std::string& name) override;
  absl::StatusOr<std::vector<v1::Rollout>> ListRollouts(const RolloutFilter& filter) override;
  // `limit` is clamped to 1..1000.
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListEvents(const std::string& name,
                                                           int64_t after_sequence,
                                                           int limit) override;
  // `limit` is clamped to 1..1000.
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListRecentEvents(const std::string& name,
                                                                 int limit) override;
  absl::StatusOr<std::vector<v1::Tick>> ListTicks(const std::string& name,
                                                  int32_t attempt) override;

 private:
  SqliteStateStore(std::unique_ptr<SqliteConnection> writer,
                   std::unique_ptr<SqliteConnection> reader)
      : writer_(std::move(writer)), reader_(std::move(reader)) {}

  // Writes one mutation inside the caller's transaction.
  absl::StatusOr<int64_t> WriteLocked(const Mutation& mutation, bool new_rollout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_);
  // The events `sql` selects: (name, after_sequence, limit) or (name, limit)
  // when `after_sequence` is nullopt.
  absl::StatusOr<std::vector<v1::RolloutEvent>> SelectEvents(
      const std::string& name, const char* sql, std::optional<int64_t> after_sequence, int limit,
      const std::string& operation) ABSL_LOCKS_EXCLUDED(read_mutex_);
  absl::StatusOr<bool> RolloutExists(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mutex_);

  // Two connections: WAL lets the reader see the last committed state while
  // a Commit waits for its fsync, so reads never queue behind a sync. (An
  // online backup reads on a connection of its own: sqlite_backup.h.)
  absl::Mutex write_mutex_;
  std::unique_ptr<SqliteConnection> writer_ ABSL_GUARDED_BY(write_mutex_);
  absl::Mutex read_mutex_;
  std::unique_ptr<SqliteConnection> reader_ ABSL_GUARDED_BY(read_mutex_);
};

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_SQLITE_STATE_STORE_H_
