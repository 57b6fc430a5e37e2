#include "daemon/store/sqlite_schema.h"

#include <iterator>

#include "absl/strings/str_cat.h"

namespace kanarya::store {
namespace {

// Migration i (from 0) brings the schema to version i + 1. Append only:
// a released migration is never edited.
constexpr const char* kMigrations[] = {
    // 1: rollouts (the proto plus the columns filters use), the global event
    // log (AUTOINCREMENT: a sequence number is never handed out twice, even
    // after deletes), and each attempt's ticks in commit order.
    R"sql(
CREATE TABLE rollouts (
  name TEXT PRIMARY KEY NOT NULL,
  namespace TEXT NOT NULL,
  virtual_service TEXT NOT NULL,
  route TEXT NOT NULL,
  revision TEXT NOT NULL,
  phase INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  create_time_micros INTEGER NOT NULL,
  event_sequence INTEGER NOT NULL,
  rollout BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX rollouts_by_target ON rollouts (namespace, virtual_service, revision);
CREATE INDEX rollouts_by_phase ON rollouts (phase);
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  rollout TEXT NOT NULL,
  event BLOB NOT NULL
);
CREATE INDEX events_by_rollout ON events (rollout, sequence);
CREATE TABLE ticks (
  rollout TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  tick BLOB NOT NULL,
  PRIMARY KEY (rollout, attempt, seq)
) WITHOUT ROWID;
)sql",
};

constexpr char kCreateMigrations[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY NOT NULL,
  applied_time TEXT NOT NULL
))sql";

// Inserts the row that marks `version` applied.
absl::Status Record(SqliteConnection& connection, int version) {
  absl::StatusOr<SqliteStatement> record = connection.Prepare(
      "INSERT INTO schema_migrations (version, applied_time) VALUES (?, datetime('now'))");
  if (!record.ok()) return record.status();
  if (absl::Status status = record->BindAll(int64_t{version}); !status.ok()) return status;
  return record->Run();
}

absl::Status Annotate(const absl::Status& status, absl::string_view operation) {
  return absl::Status(status.code(), absl::StrCat(operation, ": ", status.message()));
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

absl::StatusOr<int> SchemaVersion(SqliteConnection& connection) {
  if (absl::Status status = connection.Execute(kCreateMigrations); !status.ok()) return status;
  absl::StatusOr<SqliteStatement> query =
      connection.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = query->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(query->ColumnInt64(0));
}

absl::Status MigrateSchema(SqliteConnection& connection) {
  // One transaction per migration, each re-reading the version under the
  // write lock: two processes opening one database never apply one twice.
  for (;;) {
    absl::StatusOr<SqliteTransaction> transaction = SqliteTransaction::Begin(connection);
    if (!transaction.ok()) return Annotate(transaction.status(), "migrating the schema");
    absl::StatusOr<int> version = SchemaVersion(connection);
    if (!version.ok()) return Annotate(version.status(), "reading the schema version");
    if (*version > LatestSchemaVersion()) {
      return absl::FailedPreconditionError(
          absl::StrCat(connection.path(), " has schema version ", *version, ", newer than version ",
                       LatestSchemaVersion(), " that this kanaryad knows; run a newer kanaryad"));
    }
    if (*version == LatestSchemaVersion()) return transaction->Commit();
    const int next = *version + 1;
    absl::Status status = connection.Execute(kMigrations[next - 1]);
    if (status.ok()) status = Record(connection, next);
    if (status.ok()) status = transaction->Commit();
    if (!status.ok()) {
      return Annotate(status,
                      absl::StrCat("migrating ", connection.path(), " to schema version ", next));
    }
  }
}

}  // namespace kanarya::store
