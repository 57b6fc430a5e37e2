#include "daemon/store/sqlite_backup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_connection.h"
#include "daemon/store/sqlite_schema.h"
#include "daemon/store/sqlite_state_store.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::store {
namespace {

constexpr absl::Duration kBusyTimeout = absl::Seconds(5);

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

// Copies `from` to `to` (created, not yet existing) and syncs `to`.
absl::Status CopyAndSync(const std::string& from, const std::string& to) {
  std::error_code error;
  if (!std::filesystem::copy_file(from, to, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("copying ", from, " to ", to, ": ", error.message()));
  }
  return SyncPath(to, /*directory=*/false);
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
  const std::string operation = absl::StrCat("checking the state database ", path);
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
  absl::StatusOr<StateDatabaseInfo> info = CheckStateDatabase(backup);
  if (!info.ok()) return info.status();

  const std::string operation = absl::StrCat("restoring ", backup, " into ", data_dir);
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(operation, ": creating the directory: ", error.message()));
  }
  std::string temporary = (dir / ".kanarya.db.restore-XXXXXX").string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) return ErrnoStatus(absl::StrCat(operation, ": creating a temporary file"));
  close(fd);
  absl::Cleanup remove_temporary = [&temporary] {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
  };
  std::filesystem::remove(temporary, error);  // copy_file creates it afresh
  if (absl::Status copied = CopyAndSync(backup, temporary); !copied.ok()) {
    return Annotate(copied, operation);
  }
  // The old database's WAL would be replayed onto the new one: drop it
  // (and the shared-memory index) before the new file takes its name.
  const std::string database = (dir / SqliteStateStore::kFileName).string();
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::remove(database + suffix, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat(operation, ": removing ", database, suffix, ": ", error.message()));
    }
  }
  std::filesystem::rename(temporary, database, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(operation, ": renaming into ", database, ": ", error.message()));
  }
  std::move(remove_temporary).Cancel();
  if (absl::Status synced = SyncPath(data_dir, /*directory=*/true); !synced.ok()) {
    return Annotate(synced, operation);
  }
  return info;
}

}  // namespace kanarya::store
