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

// CheckStateDatabase of `path`, a copy of `original`: its errors name
// `original`, the file the user knows.
absl::StatusOr<StateDatabaseInfo> CheckStateDatabaseCopy(const std::string& path,
                                                         const std::string& original);

// Places the state database `backup` as `data_dir`/kanarya.db (creating
// the directory): refuses (FailedPrecondition naming it) a data directory
// that exists and is not empty unless `force`. Copies `backup` once into a
// temporary file in `data_dir`, syncs it and checks that copy
// (CheckStateDatabaseCopy; a WAL beside `backup` is not read). With an
// existing kanarya.db it then takes that database's exclusive lock
// (FailedPrecondition "in use" while kanaryad or anything else has it open)
// and checkpoints its WAL into it; only then renames the copy into place,
// syncs the directory and removes the old WAL (empty by then) and
// shared-memory files. A crash leaves the old database, whole, or the new
// one. On failure nothing in `data_dir` changes (directories it made are
// removed).
absl::StatusOr<StateDatabaseInfo> RestoreStateDatabase(const std::string& backup,
                                                       const std::string& data_dir, bool force);

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_SQLITE_BACKUP_H_
