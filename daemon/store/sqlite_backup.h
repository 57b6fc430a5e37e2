// Online backups of the state database and their restore. A snapshot is the
// database as committed at one instant, taken on a connection of its own
// (VACUUM INTO, one read transaction): in WAL mode the store's writer and
// reader go on meanwhile, so the engine never pauses. A restore checks the
// file (integrity, schema version) before it places it, atomically, in a
// data directory. Errors are Statuses naming the files; thread-safe (no
// shared state).
#ifndef KANARYA_DAEMON_STORE_SQLITE_BACKUP_H_
#define KANARYA_DAEMON_STORE_SQLITE_BACKUP_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kanarya::store {

// Writes a consistent copy of the database at `database_path` to
// `destination`, which must not exist or be empty (VACUUM INTO refuses
// otherwise). The copy is compacted and synced to disk.
absl::Status SnapshotDatabase(const std::string& database_path, const std::string& destination);

// What a checked state database holds.
struct StateDatabaseInfo {
  int schema_version = 0;
  int64_t rollouts = 0;
  int64_t unfinished_rollouts = 0;  // not SUCCEEDED, ROLLED_BACK, ABORTED or FAILED
};

// Opens `path` read-only and checks that it is a state database this build
// can open: DataLoss when it is not an SQLite database or PRAGMA
// integrity_check finds a problem (the first one named);
// FailedPrecondition when it has no schema version (not a state database)
// or a version newer than LatestSchemaVersion() (both named).
absl::StatusOr<StateDatabaseInfo> CheckStateDatabase(const std::string& path);

// Places the state database `backup` as `data_dir`/kanarya.db: refuses
// (FailedPrecondition naming it) a data directory that exists and is not
// empty unless `force` (which replaces the database and drops its WAL and
// shared-memory files); checks `backup` (CheckStateDatabase); copies it to
// a temporary file in `data_dir`, syncs it, renames it into place and syncs
// the directory, so a crash leaves the old database or the new one. The
// daemon must not be running on `data_dir`.
absl::StatusOr<StateDatabaseInfo> RestoreStateDatabase(const std::string& backup,
                                                       const std::string& data_dir, bool force);

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_SQLITE_BACKUP_H_
