// Online snapshots of the state database taken while commits go on, and the
// restore's checks and refusals.
#include "daemon/store/sqlite_backup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/sha256.h"
#include "daemon/store/sqlite_connection.h"
#include "daemon/store/sqlite_schema.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/store/store_test_util.h"

namespace kanarya::store {
namespace {

using ::testing::HasSubstr;
using testing::MakeEvent;
using testing::MakeRollout;
using testing::MakeTick;
using testing::ScopedTempDir;

std::string DatabaseIn(const std::string& dir) {
  return (std::filesystem::path(dir) / SqliteStateStore::kFileName).string();
}

// A store holding `count` rollouts named r0, r1, ...; returns the store.
StateStorePtr StoreWithRollouts(const std::string& dir, int count) {
  StateStorePtr store = *SqliteStateStore::Open(dir);
  for (int i = 0; i < count; ++i) {
    Mutation created{.rollout = MakeRollout(absl::StrCat("r", i)), .events = {MakeEvent("made")}};
    EXPECT_TRUE(store->Commit(created, /*new_rollout=*/true).ok());
  }
  return store;
}

// Each commit of the writer adds one event and one tick to rollout "counter"
// and sets its step_index to the number of commits: in any consistent state
// the three agree.
void ExpectConsistent(StateStore& copy, int* commits) {
  absl::StatusOr<v1::Rollout> counter = copy.GetRollout("counter");
  ASSERT_TRUE(counter.ok()) << counter.status();
  const int n = counter->status().step_index();
  absl::StatusOr<std::vector<v1::RolloutEvent>> events = copy.ListEvents("counter", 0, 1000);
  absl::StatusOr<std::vector<v1::Tick>> ticks = copy.ListTicks("counter", 0);
  ASSERT_TRUE(events.ok() && ticks.ok());
  EXPECT_EQ(static_cast<int>(events->size()), n + 1);  // and its creation's
  EXPECT_EQ(static_cast<int>(ticks->size()), n);
  EXPECT_EQ(counter->status().event_sequence(), events->back().sequence());
  *commits = n;
}

TEST(SqliteBackupTest, SnapshotsTakenWhileCommitsGoOnAreConsistent) {
  ScopedTempDir dir;
  StateStorePtr store = StoreWithRollouts(dir.path(), 50);
  Mutation created{.rollout = MakeRollout("counter"), .events = {MakeEvent("made")}};
  created.rollout.mutable_status()->set_step_index(0);
  ASSERT_TRUE(store->Commit(created, /*new_rollout=*/true).ok());

  std::atomic<bool> stop = false;
  std::atomic<int> written = 0;
  std::thread writer([&] {
    v1::Rollout counter = created.rollout;
    for (int n = 1; !stop && n <= 5000; ++n) {
      counter.mutable_status()->set_step_index(n);
      Mutation update{
          .rollout = counter, .events = {MakeEvent(absl::StrCat(n))}, .tick = MakeTick(n)};
      ASSERT_TRUE(store->Commit(update, /*new_rollout=*/false).ok());
      written = n;
    }
  });
  // Snapshots while the writer commits; each one a consistent state, later
  // ones no older than earlier ones.
  int previous = 0;
  for (int i = 0; i < 5; ++i) {
    while (written < previous + 20 && written < 5000) std::this_thread::yield();
    const std::string copy = absl::StrCat(dir.path(), "/backup-", i, ".db");
    const int before = written;
    ASSERT_TRUE(SnapshotDatabase(DatabaseIn(dir.path()), copy).ok());
    const int after = written;
    absl::StatusOr<StateDatabaseInfo> info = CheckStateDatabase(copy);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->schema_version, LatestSchemaVersion());
    EXPECT_EQ(info->rollouts, 51);
    EXPECT_EQ(info->unfinished_rollouts, 51);

    ScopedTempDir restored;
    ASSERT_TRUE(RestoreStateDatabase(copy, restored.path(), /*force=*/false).ok());
    StateStorePtr reopened = *SqliteStateStore::Open(restored.path());
    int commits = 0;
    ExpectConsistent(*reopened, &commits);
    // The snapshot's instant lies within the call (a commit may be between
    // its write and the counter's update, hence the + 1).
    EXPECT_GE(commits + 1, before);
    EXPECT_LE(commits, after + 1);
    EXPECT_GE(commits, previous);
    previous = commits;
  }
  stop = true;
  writer.join();
  EXPECT_GT(written, previous) << "the writer stopped while the snapshots were taken";
}

TEST(SqliteBackupTest, SnapshotRefusesAnExistingFile) {
  ScopedTempDir dir;
  StateStorePtr store = StoreWithRollouts(dir.path(), 1);
  const std::string copy = dir.path() + "/taken.db";
  std::ofstream(copy) << "something";
  const absl::Status status = SnapshotDatabase(DatabaseIn(dir.path()), copy);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(copy));
}

TEST(SqliteBackupTest, RestoreRefusesANonEmptyDirectoryUnlessForced) {
  ScopedTempDir source;
  StateStorePtr store = StoreWithRollouts(source.path(), 3);
  const std::string backup = source.path() + "/backup.db";
  ASSERT_TRUE(SnapshotDatabase(DatabaseIn(source.path()), backup).ok());

  ScopedTempDir target;
  {
    StateStorePtr other = StoreWithRollouts(target.path(), 7);  // its own rollouts, and a WAL
  }
  absl::StatusOr<StateDatabaseInfo> refused =
      RestoreStateDatabase(backup, target.path(), /*force=*/false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr(target.path()));
  EXPECT_THAT(refused.status().message(), HasSubstr("not empty"));
  EXPECT_EQ((*SqliteStateStore::Open(target.path()))->ListRollouts({})->size(), 7u);

  absl::StatusOr<StateDatabaseInfo> forced =
      RestoreStateDatabase(backup, target.path(), /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(forced->rollouts, 3);
  StateStorePtr restored = *SqliteStateStore::Open(target.path());
  const std::vector<v1::Rollout> rollouts = *restored->ListRollouts({});
  ASSERT_EQ(rollouts.size(), 3u);
  EXPECT_EQ(rollouts[0].name(), "r0");
  // No temporary file is left behind.
  for (const auto& entry : std::filesystem::directory_iterator(target.path())) {
    EXPECT_THAT(entry.path().filename().string(), HasSubstr("kanarya.db"));
    EXPECT_FALSE(absl::StrContains(entry.path().filename().string(), "restore"));
  }
}

TEST(SqliteBackupTest, RestoreRefusesACorruptFileAndLeavesTheDirectoryAlone) {
  ScopedTempDir source;
  StateStorePtr store = StoreWithRollouts(source.path(), 200);
  const std::string backup = source.path() + "/backup.db";
  ASSERT_TRUE(SnapshotDatabase(DatabaseIn(source.path()), backup).ok());
  const auto size = std::filesystem::file_size(backup);
  ASSERT_GT(size, 16384u);
  {
    // Garbage over pages in the middle: the header still says SQLite.
    std::fstream file(backup, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    const std::string garbage(8192, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  ScopedTempDir target;
  const std::string into = target.path() + "/data";
  absl::StatusOr<StateDatabaseInfo> refused = RestoreStateDatabase(backup, into, false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr(backup));
  EXPECT_FALSE(std::filesystem::exists(into));

  const std::string text = source.path() + "/notes.txt";
  std::ofstream(text) << "not a database at all, just some words in a file";
  refused = RestoreStateDatabase(text, into, false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_FALSE(std::filesystem::exists(into));
}

TEST(SqliteBackupTest, RestoreRefusesANewerOrUnknownSchemaVersionNamingBoth) {
  ScopedTempDir source;
  { StateStorePtr store = StoreWithRollouts(source.path(), 1); }
  const std::string database = DatabaseIn(source.path());
  const std::string newer = source.path() + "/newer.db";
  ASSERT_TRUE(SnapshotDatabase(database, newer).ok());
  {
    auto connection = *SqliteConnection::Open(newer, absl::Seconds(1));
    ASSERT_TRUE(connection
                    ->Execute(absl::StrCat("INSERT INTO schema_migrations VALUES (",
                                           LatestSchemaVersion() + 41, ", datetime('now'))"))
                    .ok());
  }
  ScopedTempDir target;
  absl::StatusOr<StateDatabaseInfo> refused = RestoreStateDatabase(newer, target.path(), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      refused.status().message(),
      HasSubstr(absl::StrCat("schema version ", LatestSchemaVersion() + 41, ", newer than version ",
                             LatestSchemaVersion(), " that this kanaryad knows")));

  const std::string unversioned = source.path() + "/unversioned.db";
  ASSERT_TRUE(SnapshotDatabase(database, unversioned).ok());
  {
    auto connection = *SqliteConnection::Open(unversioned, absl::Seconds(1));
    ASSERT_TRUE(connection->Execute("DELETE FROM schema_migrations").ok());
  }
  refused = RestoreStateDatabase(unversioned, target.path(), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              HasSubstr(absl::StrCat("schema version 0 is unknown; this kanaryad knows versions 1 "
                                     "to ",
                                     LatestSchemaVersion())));

  const std::string foreign = source.path() + "/foreign.db";
  {
    auto connection = *SqliteConnection::Open(foreign, absl::Seconds(1));
    ASSERT_TRUE(connection->Execute("CREATE TABLE notes (text TEXT)").ok());
  }
  refused = RestoreStateDatabase(foreign, target.path(), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("no schema version"));
  EXPECT_TRUE(std::filesystem::is_empty(target.path()));
}

TEST(SqliteBackupTest, RestoreChecksTheCopyItPlacesNotAWalBesideTheBackup) {
  ScopedTempDir source;
  { StateStorePtr store = StoreWithRollouts(source.path(), 2); }
  const std::string backup = source.path() + "/backup.db";
  ASSERT_TRUE(SnapshotDatabase(DatabaseIn(source.path()), backup).ok());
  // The file itself says a newer schema; a WAL beside it (kept by an open
  // connection that never checkpoints) takes that back. A restore reading
  // the pair would pass a file that, copied alone, is the newer one.
  auto connection = *SqliteConnection::Open(backup, absl::Seconds(1));
  const int newer = LatestSchemaVersion() + 41;
  ASSERT_TRUE(connection
                  ->Execute(absl::StrCat("INSERT INTO schema_migrations VALUES (", newer,
                                         ", datetime('now'))"))
                  .ok());
  ASSERT_TRUE(connection->Execute("PRAGMA journal_mode = WAL").ok());
  ASSERT_TRUE(connection->Execute("PRAGMA wal_autocheckpoint = 0").ok());
  ASSERT_TRUE(
      connection->Execute(absl::StrCat("DELETE FROM schema_migrations WHERE version = ", newer))
          .ok());
  ASSERT_GT(std::filesystem::file_size(backup + "-wal"), 0u);

  ScopedTempDir target;
  const std::string into = target.path() + "/data";
  absl::StatusOr<StateDatabaseInfo> refused = RestoreStateDatabase(backup, into, false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_THAT(refused.status().message(),
              HasSubstr(absl::StrCat("checking the state database ", backup, ": schema version ",
                                     newer, ", newer than version")));
  EXPECT_FALSE(std::filesystem::exists(into)) << "the directory it made stays";
}

TEST(SqliteBackupTest, ForcedRestoreRefusesADatabaseInUseAndLeavesItWhole) {
  ScopedTempDir source;
  { StateStorePtr store = StoreWithRollouts(source.path(), 3); }
  const std::string backup = source.path() + "/backup.db";
  ASSERT_TRUE(SnapshotDatabase(DatabaseIn(source.path()), backup).ok());

  ScopedTempDir target;
  {
    // As a running kanaryad: the store open, commits in its WAL.
    StateStorePtr running = StoreWithRollouts(target.path(), 7);
    ASSERT_TRUE(std::filesystem::exists(DatabaseIn(target.path()) + "-wal"));
    absl::StatusOr<StateDatabaseInfo> refused =
        RestoreStateDatabase(backup, target.path(), /*force=*/true);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
    EXPECT_THAT(refused.status().message(),
                HasSubstr(absl::StrCat(DatabaseIn(target.path()), " is in use")));
    EXPECT_EQ(running->ListRollouts({})->size(), 7u);
    Mutation more{.rollout = MakeRollout("later"), .events = {MakeEvent("made")}};
    EXPECT_TRUE(running->Commit(more, /*new_rollout=*/true).ok());
    for (const auto& entry : std::filesystem::directory_iterator(target.path())) {
      EXPECT_FALSE(absl::StrContains(entry.path().filename().string(), "restore")) << entry.path();
    }
  }
  EXPECT_EQ((*SqliteStateStore::Open(target.path()))->ListRollouts({})->size(), 8u);

  // Once it has stopped, the same restore goes through.
  absl::StatusOr<StateDatabaseInfo> forced =
      RestoreStateDatabase(backup, target.path(), /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ((*SqliteStateStore::Open(target.path()))->ListRollouts({})->size(), 3u);
}

TEST(Sha256Test, MatchesKnownDigestsFedInPieces) {
  Sha256 hasher;
  EXPECT_EQ(hasher.HexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ScopedTempDir dir;
  std::ofstream(dir.path() + "/abc") << "abc";
  EXPECT_EQ(*FileSha256(dir.path() + "/abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(FileSha256(dir.path() + "/absent").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace kanarya::store
