#include "daemon/store/sqlite_backup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_connection.h"
#include "daemon/store/sqlite_schema.h"
#include "daemon/store/sqlite_state_store.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::store {
namespace {

constexpr absl::Duration kBusyTimeout = absl::Seconds(5);
// How long a restore waits for the lock on the database it replaces: a
// daemon that has it open keeps it, so waiting longer would not help.
constexpr absl::Duration kLockTimeout = absl::Seconds(1);

absl::Status Annotate(const absl::Status& status, absl::string_view operation) {
  return absl::Status(status.code(), absl::StrCat(operation, ": ", status.message()));
}

absl::Status ErrnoStatus(absl::string_view operation) {
  return absl::FailedPreconditionError(absl::StrCat(operation, ": ", std::strerror(errno)));
}

// fsync of a file or directory by its path.
absl::Status SyncPath(const std::string& path, bool directory) {
  const int fd = open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return ErrnoStatus(absl::StrCat("opening ", path, " to sync it"));
  const int synced = fsync(fd);
  close(fd);
  if (synced != 0) return ErrnoStatus(absl::StrCat("syncing ", path));
  return absl::OkStatus();
}

// The single integer a query answers.
absl::StatusOr<int64_t> QueryInt(SqliteConnection& connection, absl::string_view sql) {
  absl::StatusOr<SqliteStatement> query = connection.Prepare(sql);
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = query->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(absl::StrCat(sql, ": no row"));
  return query->ColumnInt64(0);
}

// The first problem PRAGMA integrity_check reports, or OK.
absl::Status IntegrityCheck(SqliteConnection& connection) {
  absl::StatusOr<SqliteStatement> check = connection.Prepare("PRAGMA integrity_check(1)");
  if (!check.ok()) return check.status();
  absl::StatusOr<bool> row = check->Step();
  if (!row.ok()) return row.status();
  const std::string verdict = *row ? std::string(check->ColumnText(0)) : "no answer";
  if (verdict == "ok") return absl::OkStatus();
  return absl::DataLossError(absl::StrCat("PRAGMA integrity_check: ", verdict));
}

// Creates `dir` and its missing parents; returns the directories it made,
// deepest first, so a failed restore can take them away again.
absl::StatusOr<std::vector<std::filesystem::path>> CreateDirectories(
    const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> missing;
  std::error_code error;
  for (std::filesystem::path at = dir; !at.empty() && !std::filesystem::exists(at, error);
       at = at.parent_path()) {
    missing.push_back(at);
    if (at == at.parent_path()) break;
  }
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("creating ", dir.string(), ": ", error.message()));
  }
  return missing;
}

// Copies the file `from` into a new temporary file in `dir`, syncs it and
// returns its path. Reads `from` once, through one descriptor: what a caller
// then checks is exactly what it places.
absl::StatusOr<std::string> CopyIntoTemporary(const std::string& from,
                                              const std::filesystem::path& dir) {
  std::string temporary = (dir / ".kanarya.db.restore-XXXXXX").string();
  const int source = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (source < 0) return ErrnoStatus(absl::StrCat("opening ", from));
  absl::Cleanup close_source = [source] { close(source); };
  const int copy = mkstemp(temporary.data());
  if (copy < 0) return ErrnoStatus(absl::StrCat("creating a temporary file in ", dir.string()));
  absl::Status status;
  char buffer[1 << 16];
  while (status.ok()) {
    const ssize_t got = read(source, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno != EINTR) status = ErrnoStatus(absl::StrCat("reading ", from));
      continue;
    }
    for (ssize_t put = 0; status.ok() && put < got;) {
      const ssize_t wrote = write(copy, buffer + put, static_cast<size_t>(got - put));
      if (wrote >= 0) {
        put += wrote;
      } else if (errno != EINTR) {
        status = ErrnoStatus(absl::StrCat("writing ", temporary));
      }
    }
  }
  if (status.ok() && fsync(copy) != 0) status = ErrnoStatus(absl::StrCat("syncing ", temporary));
  close(copy);
  if (!status.ok()) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return status;
  }
  return temporary;
}

// Opens the existing database at `database` and holds it: an exclusive lock
// (refused while kanaryad or anything else has it open) and its WAL
// checkpointed into the file and truncated, so nothing committed lives only
// in the WAL any more. The lock lasts as long as the returned connection.
absl::StatusOr<std::unique_ptr<SqliteConnection>> LockAndCheckpoint(const std::string& database) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
      SqliteConnection::Open(database, kLockTimeout);
  if (!connection.ok()) return connection.status();
  // In exclusive locking mode the first access takes the file's exclusive
  // lock (in WAL mode too) and keeps it after the transaction ends.
  absl::Status status = (*connection)->Execute("PRAGMA locking_mode = EXCLUSIVE");
  if (status.ok()) status = (*connection)->Execute("BEGIN EXCLUSIVE; COMMIT");
  if (absl::IsUnavailable(status)) {
    return absl::FailedPreconditionError(absl::StrCat(
        database, " is in use (is kanaryad running on it? stop it first): ", status.message()));
  }
  if (!status.ok()) return status;
  absl::StatusOr<SqliteStatement> checkpoint =
      (*connection)->Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!checkpoint.ok()) return checkpoint.status();
  absl::StatusOr<bool> row = checkpoint->Step();
  if (!row.ok()) return row.status();
  if (*row && checkpoint->ColumnInt64(0) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(database, " is in use: its WAL could not be checkpointed"));
  }
  return std::move(*connection);
}

}  // namespace

absl::Status SnapshotDatabase(const std::string& database_path, const std::string& destination) {
  const std::string operation =
      absl::StrCat("backing up the state store ", database_path, " to ", destination);
  absl::StatusOr<std::unique_ptr<SqliteConnection>> source =
      SqliteConnection::Open(database_path, kBusyTimeout, /*read_only=*/true);
  if (!source.ok()) return Annotate(source.status(), operation);
  absl::StatusOr<SqliteStatement> vacuum = (*source)->Prepare("VACUUM INTO ?");
  absl::Status status =
      vacuum.ok() ? vacuum->BindAll(absl::string_view(destination)) : vacuum.status();
  if (status.ok()) status = vacuum->Run();
  if (status.ok()) status = SyncPath(destination, /*directory=*/false);
  return status.ok() ? status : Annotate(status, operation);
}

absl::StatusOr<StateDatabaseInfo> CheckStateDatabase(const std::string& path) {
  return CheckStateDatabaseCopy(path, path);
}

absl::StatusOr<StateDatabaseInfo> CheckStateDatabaseCopy(const std::string& path,
                                                         const std::string& original) {
  const std::string operation = absl::StrCat("checking the state database ", original);
  if (!std::filesystem::is_regular_file(path)) {
    return absl::FailedPreconditionError(absl::StrCat(operation, ": not a readable file"));
  }
  absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
      SqliteConnection::Open(path, kBusyTimeout, /*read_only=*/true);
  if (!connection.ok()) return Annotate(connection.status(), operation);
  if (absl::Status status = IntegrityCheck(**connection); !status.ok()) {
    return Annotate(status, operation);
  }
  absl::StatusOr<int64_t> has_versions =
      QueryInt(**connection,
               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
               "name = 'schema_migrations'");
  if (!has_versions.ok()) return Annotate(has_versions.status(), operation);
  if (*has_versions == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(operation,
                     ": no schema version (no schema_migrations table): not a "
                     "kanaryad state database"));
  }
  absl::StatusOr<int64_t> version =
      QueryInt(**connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version.ok()) return Annotate(version.status(), operation);
  if (*version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        operation, ": schema version ", *version, ", newer than version ", LatestSchemaVersion(),
        " that this kanaryad knows; restore it with a newer "
        "kanaryad"));
  }
  if (*version < 1) {
    return absl::FailedPreconditionError(absl::StrCat(operation, ": schema version ", *version,
                                                      " is unknown; this kanaryad knows "
                                                      "versions 1 to ",
                                                      LatestSchemaVersion()));
  }
  StateDatabaseInfo info{.schema_version = static_cast<int>(*version)};
  absl::StatusOr<int64_t> rollouts = QueryInt(**connection, "SELECT COUNT(*) FROM rollouts");
  absl::StatusOr<int64_t> unfinished =
      QueryInt(**connection, absl::StrCat("SELECT COUNT(*) FROM rollouts WHERE phase NOT IN (",
                                          v1::PHASE_SUCCEEDED, ", ", v1::PHASE_ROLLED_BACK, ", ",
                                          v1::PHASE_ABORTED, ", ", v1::PHASE_FAILED, ")"));
  if (!rollouts.ok()) return Annotate(rollouts.status(), operation);
  if (!unfinished.ok()) return Annotate(unfinished.status(), operation);
  info.rollouts = *rollouts;
  info.unfinished_rollouts = *unfinished;
  return info;
}

absl::StatusOr<StateDatabaseInfo> RestoreStateDatabase(const std::string& backup,
                                                       const std::string& data_dir, bool force) {
  std::error_code error;
  const std::filesystem::path dir(data_dir);
  if (std::filesystem::exists(dir, error)) {
    if (!std::filesystem::is_directory(dir, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat("restoring into ", data_dir, ": not a directory"));
    }
    if (!std::filesystem::is_empty(dir, error) && !force) {
      return absl::FailedPreconditionError(absl::StrCat(
          "restoring into ", data_dir,
          ": the directory is not empty; pass --force to replace the state database in it "
          "(stop kanaryad on it first)"));
    }
  }
  const std::string operation = absl::StrCat("restoring ", backup, " into ", data_dir);
  absl::StatusOr<std::vector<std::filesystem::path>> created = CreateDirectories(dir);
  if (!created.ok()) return Annotate(created.status(), operation);
  absl::Cleanup remove_created = [&created] {
    std::error_code ignored;
    for (const std::filesystem::path& made : *created) std::filesystem::remove(made, ignored);
  };
  absl::StatusOr<std::string> temporary = CopyIntoTemporary(backup, dir);
  if (!temporary.ok()) return Annotate(temporary.status(), operation);
  absl::Cleanup remove_temporary = [&temporary] {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(*temporary + suffix, ignored);
    }
  };
  // The copy is checked, not `backup`: a WAL beside the backup, or a change
  // to it meanwhile, cannot make what is placed differ from what passed.
  absl::StatusOr<StateDatabaseInfo> info = CheckStateDatabaseCopy(*temporary, backup);
  if (!info.ok()) return info.status();

  const std::string database = (dir / SqliteStateStore::kFileName).string();
  std::unique_ptr<SqliteConnection> replaced;
  if (std::filesystem::exists(database, error)) {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> held = LockAndCheckpoint(database);
    if (!held.ok()) return Annotate(held.status(), operation);
    replaced = std::move(*held);
  }
  std::filesystem::rename(*temporary, database, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(operation, ": renaming into ", database, ": ", error.message()));
  }
  std::move(remove_temporary).Cancel();
  std::move(remove_created).Cancel();
  if (absl::Status synced = SyncPath(data_dir, /*directory=*/true); !synced.ok()) {
    return Annotate(synced, operation);
  }
  // Only now, with the new file in place, the old database's WAL (empty
  // since the checkpoint) and shared-memory index go: closing the old
  // connection deletes the WAL; whatever is left would be read as the new
  // database's.
  replaced.reset();
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::remove(database + suffix, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat(operation, ": removing ", database, suffix, ": ", error.message()));
    }
  }
  if (absl::Status synced = SyncPath(data_dir, /*directory=*/true); !synced.ok()) {
    return Annotate(synced, operation);
  }
  return info;
}

}  // namespace kanarya::store
