// A thin RAII layer over SQLite's C API: a connection, its prepared
// statements and transactions. Every SQLite error becomes an absl::Status
// naming the operation and the database; nothing throws or aborts.
// Not thread-safe: the owner serializes all use of one connection.
#ifndef KANARYA_DAEMON_STORE_SQLITE_CONNECTION_H_
#define KANARYA_DAEMON_STORE_SQLITE_CONNECTION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kanarya::store {

// Marks a value to bind as a BLOB rather than TEXT.
struct Blob {
  absl::string_view bytes;
};

// One prepared statement; reset and its bindings cleared on every Reset(),
// so a cached statement can be reused. Owned by the caller; must not outlive
// the connection that prepared it.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  ~SqliteStatement();

  // Makes the statement ready to bind and run again.
  void Reset();

  // Parameters are numbered from 1.
  absl::Status Bind(int index, int64_t value);
  absl::Status Bind(int index, absl::string_view text);
  absl::Status Bind(int index, Blob blob);

  // Binds the arguments to parameters 1, 2, ... in order.
  template <typename... Args>
  absl::Status BindAll(const Args&... args) {
    absl::Status status;
    int index = 0;
    ((status = status.ok() ? Bind(++index, args) : status), ...);
    return status;
  }

  // True when a row is ready to read, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  absl::Status Run();

  int64_t ColumnInt64(int column) const;
  absl::string_view ColumnText(int column) const;
  absl::string_view ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

  // SQLite's extended result code of the last failed Step (0 when none).
  int last_error_code() const { return last_error_code_; }

 private:
  friend class SqliteConnection;
  SqliteStatement(sqlite3* db, sqlite3_stmt* statement, absl::string_view sql);

  absl::Status Error(absl::string_view operation, int code) const;

  sqlite3* db_;
  sqlite3_stmt* statement_;
  std::string sql_;
  int last_error_code_ = 0;
};

// Resets a statement when the scope ends, so a cached statement left
// before its last row never holds a read transaction open between uses.
class ResetOnExit {
 public:
  explicit ResetOnExit(SqliteStatement& statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { statement_.Reset(); }

 private:
  SqliteStatement& statement_;
};

class SqliteConnection {
 public:
  // Opens (creating) the database file; with `read_only` an existing one,
  // never written. The first read of a file that is not a database fails
  // later, at the first statement that touches it.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                                absl::Duration busy_timeout,
                                                                bool read_only = false);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);
  // The statement for `sql`, prepared on first use and kept: reset and
  // ready to bind. Valid as long as the connection.
  absl::StatusOr<SqliteStatement*> Cached(const std::string& sql);
  // Runs one or more statements that return no rows.
  absl::Status Execute(absl::string_view sql);
  int64_t changes() const;
  const std::string& path() const { return path_; }
  // The raw handle, for the few calls this layer does not wrap (an online
  // backup, for example). Used under the owner's serialization.
  sqlite3* handle() { return db_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::map<std::string, SqliteStatement> cached_;
};

// BEGIN IMMEDIATE on construction; rolled back on destruction unless
// Commit() succeeded, so every early error return leaves nothing behind.
class SqliteTransaction {
 public:
  static absl::StatusOr<SqliteTransaction> Begin(SqliteConnection& connection);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  absl::Status Commit();

 private:
  explicit SqliteTransaction(SqliteConnection* connection) : connection_(connection) {}

  SqliteConnection* connection_;  // null once committed or moved from
};

// The status for SQLite result `code`: DataLoss for a corrupt file or one
// that is not a database, Unavailable when locked, ResourceExhausted when
// full, FailedPrecondition when it cannot be opened or written, else
// Internal. The message is "<operation>: <SQLite's message>".
absl::Status SqliteStatus(int code, absl::string_view operation, absl::string_view detail);

}  // namespace kanarya::store

#endif  // KANARYA_DAEMON_STORE_SQLITE_CONNECTION_H_
