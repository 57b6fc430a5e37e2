#include "daemon/store/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace kanarya::store {

absl::Status SqliteStatus(int code, absl::string_view operation, absl::string_view detail) {
  std::string message = absl::StrCat(operation, ": ", detail);
  switch (code & 0xff) {  // the primary result code
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

SqliteStatement::SqliteStatement(sqlite3* db, sqlite3_stmt* statement, absl::string_view sql)
    : db_(db), statement_(statement), sql_(sql) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_),
      statement_(std::exchange(other.statement_, nullptr)),
      sql_(std::move(other.sql_)),
      last_error_code_(other.last_error_code_) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    db_ = other.db_;
    statement_ = std::exchange(other.statement_, nullptr);
    sql_ = std::move(other.sql_);
    last_error_code_ = other.last_error_code_;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

void SqliteStatement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step already reported.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  last_error_code_ = 0;
}

absl::Status SqliteStatement::Error(absl::string_view operation, int code) const {
  return SqliteStatus(code, absl::StrCat(operation, " `", sql_, "`"),
                      absl::StrCat(sqlite3_errmsg(db_), " (", sqlite3_errstr(code), ")"));
}

absl::Status SqliteStatement::Bind(int index, int64_t value) {
  int code = sqlite3_bind_int64(statement_, index, value);
  return code == SQLITE_OK ? absl::OkStatus() : Error("binding parameter of", code);
}

absl::Status SqliteStatement::Bind(int index, absl::string_view text) {
  int code = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
  return code == SQLITE_OK ? absl::OkStatus() : Error("binding parameter of", code);
}

absl::Status SqliteStatement::Bind(int index, Blob blob) {
  // A zero-length blob with a null pointer would bind NULL: give it a pointer.
  const char* data = blob.bytes.empty() ? "" : blob.bytes.data();
  int code = sqlite3_bind_blob64(statement_, index, data, blob.bytes.size(), SQLITE_TRANSIENT);
  return code == SQLITE_OK ? absl::OkStatus() : Error("binding parameter of", code);
}

absl::StatusOr<bool> SqliteStatement::Step() {
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  code = sqlite3_extended_errcode(db_);
  last_error_code_ = code;
  return Error("running", code);
}

absl::Status SqliteStatement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

absl::string_view SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(statement_, column))};
}

absl::string_view SqliteStatement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(statement_, column);
  if (blob == nullptr) return {};
  return {static_cast<const char*>(blob),
          static_cast<size_t>(sqlite3_column_bytes(statement_, column))};
}

bool SqliteStatement::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, absl::Duration busy_timeout, bool read_only) {
  sqlite3* db = nullptr;
  const int mode = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int code = sqlite3_open_v2(path.c_str(), &db, mode | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    sqlite3_close(db);
    return SqliteStatus(code, absl::StrCat("opening ", path), detail);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db, path));
}

SqliteConnection::~SqliteConnection() {
  cached_.clear();
  // Should a statement prepared by a caller still be alive, close_v2 defers
  // the close until it is finalized.
  sqlite3_close_v2(db_);
}

absl::StatusOr<SqliteStatement*> SqliteConnection::Cached(const std::string& sql) {
  auto it = cached_.find(sql);
  if (it == cached_.end()) {
    absl::StatusOr<SqliteStatement> prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    it = cached_.emplace(sql, *std::move(prepared)).first;
  }
  it->second.Reset();
  return &it->second;
}

absl::StatusOr<SqliteStatement> SqliteConnection::Prepare(absl::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK) {
    return SqliteStatus(code, absl::StrCat("preparing `", sql, "` on ", path_),
                        sqlite3_errmsg(db_));
  }
  return SqliteStatement(db_, statement, sql);
}

absl::Status SqliteConnection::Execute(absl::string_view sql) {
  std::string terminated(sql);  // sqlite3_exec needs a NUL-terminated script
  char* error = nullptr;
  int code = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, &error);
  if (code == SQLITE_OK) return absl::OkStatus();
  std::string detail = error != nullptr ? error : sqlite3_errstr(code);
  sqlite3_free(error);
  return SqliteStatus(sqlite3_extended_errcode(db_),
                      absl::StrCat("executing `", sql, "` on ", path_), detail);
}

int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_); }

absl::StatusOr<SqliteTransaction> SqliteTransaction::Begin(SqliteConnection& connection) {
  if (absl::Status status = connection.Execute("BEGIN IMMEDIATE"); !status.ok()) return status;
  return SqliteTransaction(&connection);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

SqliteTransaction::~SqliteTransaction() {
  if (connection_ == nullptr) return;
  // After some errors SQLite has rolled back already; then this fails
  // harmlessly ("no transaction is active").
  (void)connection_->Execute("ROLLBACK");
}

absl::Status SqliteTransaction::Commit() {
  absl::Status status = connection_->Execute("COMMIT");
  if (status.ok()) connection_ = nullptr;
  return status;
}

}  // namespace kanarya::store
