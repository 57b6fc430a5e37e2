// The state database's schema as numbered migrations. Each migration runs
// once, in its own transaction with its row in `schema_migrations`, so a
// crash mid-migration leaves the previous version intact.
// A database from a newer version is refused, never modified.
#ifndef KANARYA_DAEMON_STORE_SQLITE_SCHEMA_H_
#define KANARYA_DAEMON_STORE_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/store/sqlite_connection.h"

namespace kanarya::store {

// The newest schema version this build knows.
int LatestSchemaVersion();

// The version recorded in the database; 0 for a new one.
absl::StatusOr<int> SchemaVersion(SqliteConnection& connection);

// Applies every migration newer than the database's version.
// FailedPrecondition naming both versions when the database is newer.
absl::Status MigrateSchema(SqliteConnection& connection);

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_SQLITE_SCHEMA_H_
