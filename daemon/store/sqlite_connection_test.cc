#include "daemon/store/sqlite_connection.h"

#include <sqlite3.h>

#include <fstream>
#include <string>

#include "daemon/store/sqlite_schema.h"
#include "daemon/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::store {
namespace {

using ::testing::HasSubstr;
using testing::ScopedTempDir;

std::unique_ptr<SqliteConnection> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
      SqliteConnection::Open(path, absl::Seconds(1));
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? *std::move(connection) : nullptr;
}

TEST(SqliteConnectionTest, BindsStepsAndReadsColumns) {
  ScopedTempDir dir;
  std::unique_ptr<SqliteConnection> db = OpenOrDie(dir.path() + "/t.db");
  ASSERT_TRUE(db->Execute("CREATE TABLE t (i INTEGER, s TEXT, b BLOB)").ok());
  absl::StatusOr<SqliteStatement> insert = db->Prepare("INSERT INTO t VALUES (?1, ?2, ?3)");
  ASSERT_TRUE(insert.ok()) << insert.status();
  const std::string bytes("a\0b", 3);
  ASSERT_TRUE(insert->BindAll(int64_t{-7}, "text", Blob{bytes}).ok());
  ASSERT_TRUE(insert->Run().ok());
  EXPECT_EQ(db->changes(), 1);
  insert->Reset();
  ASSERT_TRUE(insert->BindAll(int64_t{8}, "", Blob{""}).ok());
  ASSERT_TRUE(insert->Run().ok());

  absl::StatusOr<SqliteStatement> select = db->Prepare("SELECT i, s, b FROM t ORDER BY i");
  ASSERT_TRUE(select.ok()) << select.status();
  absl::StatusOr<bool> row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->ColumnInt64(0), -7);
  EXPECT_EQ(select->ColumnText(1), "text");
  EXPECT_EQ(select->ColumnBlob(2), bytes);
  row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->ColumnInt64(0), 8);
  EXPECT_EQ(select->ColumnBlob(2), "");
  EXPECT_FALSE(select->ColumnIsNull(2));  // an empty blob, not NULL
  row = select->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST(SqliteConnectionTest, ErrorsNameTheOperationAndKeepTheExtendedCode) {
  ScopedTempDir dir;
  std::unique_ptr<SqliteConnection> db = OpenOrDie(dir.path() + "/t.db");
  absl::StatusOr<SqliteStatement> bad = db->Prepare("SELEKT 1");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(bad.status().message(), HasSubstr("preparing `SELEKT 1`"));
  EXPECT_THAT(bad.status().message(), HasSubstr("syntax error"));

  ASSERT_TRUE(db->Execute("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  absl::StatusOr<SqliteStatement> insert = db->Prepare("INSERT INTO t VALUES ('x')");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->Run().ok());
  insert->Reset();
  absl::Status duplicate = insert->Run();
  EXPECT_FALSE(duplicate.ok());
  EXPECT_THAT(duplicate.message(), HasSubstr("UNIQUE constraint failed: t.k"));
  EXPECT_EQ(insert->last_error_code(), SQLITE_CONSTRAINT_PRIMARYKEY);
}

TEST(SqliteConnectionTest, TransactionRollsBackUnlessCommitted) {
  ScopedTempDir dir;
  std::unique_ptr<SqliteConnection> db = OpenOrDie(dir.path() + "/t.db");
  ASSERT_TRUE(db->Execute("CREATE TABLE t (i INTEGER)").ok());
  {
    absl::StatusOr<SqliteTransaction> transaction = SqliteTransaction::Begin(*db);
    ASSERT_TRUE(transaction.ok()) << transaction.status();
    ASSERT_TRUE(db->Execute("INSERT INTO t VALUES (1)").ok());
  }  // abandoned
  {
    absl::StatusOr<SqliteTransaction> transaction = SqliteTransaction::Begin(*db);
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(db->Execute("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(transaction->Commit().ok());
  }
  absl::StatusOr<SqliteStatement> select = db->Prepare("SELECT group_concat(i) FROM t");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(*select->Step());
  EXPECT_EQ(select->ColumnText(0), "2");
}

TEST(SqliteConnectionTest, OpeningAMissingDirectoryIsFailedPrecondition) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
      SqliteConnection::Open("/nonexistent-kanarya-dir/sub/t.db", absl::Seconds(1));
  EXPECT_EQ(connection.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(connection.status().message(), HasSubstr("/nonexistent-kanarya-dir/sub/t.db"));
}

TEST(SqliteSchemaTest, MigratesAnEmptyDatabaseOnceAndRecordsTheVersion) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/t.db";
  std::ofstream(path).flush();  // an empty file is an empty database
  {
    std::unique_ptr<SqliteConnection> db = OpenOrDie(path);
    absl::StatusOr<int> before = SchemaVersion(*db);
    ASSERT_TRUE(before.ok()) << before.status();
    EXPECT_EQ(*before, 0);
    ASSERT_TRUE(MigrateSchema(*db).ok());
    EXPECT_EQ(*SchemaVersion(*db), LatestSchemaVersion());
    ASSERT_TRUE(MigrateSchema(*db).ok());  // idempotent
  }
  std::unique_ptr<SqliteConnection> db = OpenOrDie(path);
  absl::StatusOr<SqliteStatement> rows =
      db->Prepare("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE(*rows->Step());
  EXPECT_EQ(rows->ColumnInt64(0), LatestSchemaVersion());
  EXPECT_EQ(rows->ColumnInt64(1), LatestSchemaVersion());
  for (const char* table : {"rollouts", "events", "ticks"}) {
    absl::StatusOr<SqliteStatement> exists =
        db->Prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
    ASSERT_TRUE(exists.ok());
    ASSERT_TRUE(exists->BindAll(table).ok());
    ASSERT_TRUE(*exists->Step());
    EXPECT_EQ(exists->ColumnInt64(0), 1) << table;
  }
}

TEST(SqliteSchemaTest, RefusesANewerDatabaseNamingBothVersions) {
  ScopedTempDir dir;
  std::unique_ptr<SqliteConnection> db = OpenOrDie(dir.path() + "/t.db");
  ASSERT_TRUE(MigrateSchema(*db).ok());
  ASSERT_TRUE(db->Execute("INSERT INTO schema_migrations VALUES (97, datetime('now'))").ok());
  absl::Status status = MigrateSchema(*db);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("schema version 97"));
  EXPECT_THAT(status.message(),
              HasSubstr("newer than version " + std::to_string(LatestSchemaVersion())));
}

}  // namespace
}  // namespace kanarya::store
