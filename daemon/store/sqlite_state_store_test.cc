#include "daemon/store/sqlite_state_store.h"

#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_connection.h"
#include "daemon/store/store_test_util.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace kanarya::store {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeEvent;
using testing::MakeRollout;
using testing::MakeTick;
using testing::ScopedTempDir;

std::unique_ptr<StateStore> OpenOrDie(const std::string& dir,
                                      const SqliteStateStoreOptions& options = {}) {
  absl::StatusOr<StateStorePtr> store = SqliteStateStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

std::string DbPath(const ScopedTempDir& dir) {
  return dir.path() + "/" + SqliteStateStore::kFileName;
}

// Runs SQL on the store's file through a second connection, as a damaged
// or foreign writer would.
void ExecuteRaw(const ScopedTempDir& dir, const std::string& sql) {
  absl::StatusOr<std::unique_ptr<SqliteConnection>> raw =
      SqliteConnection::Open(DbPath(dir), absl::Seconds(5));
  ASSERT_TRUE(raw.ok()) << raw.status();
  absl::Status status = (*raw)->Execute(sql);
  ASSERT_TRUE(status.ok()) << status;
}

Mutation Change(const v1::Rollout& rollout, const std::vector<std::string>& messages = {},
                std::optional<double> tick_weight = std::nullopt) {
  Mutation mutation{.rollout = rollout};
  mutation.events.reserve(messages.size());
  for (const std::string& message : messages) mutation.events.push_back(MakeEvent(message));
  if (tick_weight.has_value()) mutation.tick = MakeTick(*tick_weight);
  return mutation;
}

std::vector<std::string> Names(const std::vector<v1::Rollout>& rollouts) {
  std::vector<std::string> names;
  names.reserve(rollouts.size());
  for (const v1::Rollout& rollout : rollouts) names.push_back(rollout.name());
  return names;
}

TEST(SqliteStateStoreTest, OpenCreatesTheDataDirectoryAndTheDatabase) {
  ScopedTempDir dir;
  const std::string data_dir = dir.path() + "/nested/kanarya-data";
  ASSERT_NE(OpenOrDie(data_dir), nullptr);
  EXPECT_TRUE(std::filesystem::exists(data_dir + "/kanarya.db"));
}

TEST(SqliteStateStoreTest, OpenFailsWhenTheDataDirectoryIsAFile) {
  ScopedTempDir dir;
  const std::string file = dir.path() + "/plain";
  std::ofstream(file) << "x";
  absl::StatusOr<StateStorePtr> store = SqliteStateStore::Open(file + "/data");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("creating the data directory"));
}

TEST(SqliteStateStoreTest, CommitStoresTheRolloutEventsAndTick) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  v1::Rollout rollout = MakeRollout("checkout-7f3a");
  absl::StatusOr<int64_t> sequence =
      store->Commit(Change(rollout, {"created", "initializing"}, 0.0), /*new_rollout=*/true);
  ASSERT_TRUE(sequence.ok()) << sequence.status();
  EXPECT_EQ(*sequence, 2);

  absl::StatusOr<v1::Rollout> stored = store->GetRollout("checkout-7f3a");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->status().event_sequence(), 2);
  v1::Rollout expected = rollout;
  expected.mutable_status()->set_event_sequence(2);
  EXPECT_TRUE(MessageDifferencer::Equals(*stored, expected)) << stored->DebugString();

  absl::StatusOr<std::vector<v1::RolloutEvent>> events = store->ListEvents("checkout-7f3a", 0, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].sequence(), 1);
  EXPECT_EQ((*events)[0].message(), "created");
  EXPECT_EQ((*events)[0].rollout(), "checkout-7f3a");  // set by the store
  EXPECT_EQ((*events)[1].sequence(), 2);
  EXPECT_EQ((*events)[1].message(), "initializing");

  absl::StatusOr<std::vector<v1::Tick>> ticks = store->ListTicks("checkout-7f3a", 0);
  ASSERT_TRUE(ticks.ok()) << ticks.status();
  ASSERT_EQ(ticks->size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals((*ticks)[0], MakeTick(0.0))) << (*ticks)[0].DebugString();
}

TEST(SqliteStateStoreTest, CommitWithoutEventsKeepsTheRolloutsSequence) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  v1::Rollout rollout = MakeRollout("a");
  ASSERT_EQ(*store->Commit(Change(rollout, {"one", "two", "three"}), true), 3);
  rollout.mutable_status()->set_canary_weight(40);
  rollout.mutable_status()->set_event_sequence(0);  // stale in the caller's copy
  absl::StatusOr<int64_t> sequence = store->Commit(Change(rollout, {}, 40.0), false);
  ASSERT_TRUE(sequence.ok()) << sequence.status();
  EXPECT_EQ(*sequence, 3);
  absl::StatusOr<v1::Rollout> stored = store->GetRollout("a");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status().canary_weight(), 40);
  EXPECT_EQ(stored->status().event_sequence(), 3);

  // A new rollout without events has sequence 0.
  EXPECT_EQ(*store->Commit(Change(MakeRollout("b")), true), 0);
}

TEST(SqliteStateStoreTest, SequencesAreGlobalAndStrictlyIncreasingAcrossRollouts) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  EXPECT_EQ(*store->Commit(Change(MakeRollout("a"), {"a1"}), true), 1);
  EXPECT_EQ(*store->Commit(Change(MakeRollout("b"), {"b1", "b2"}), true), 3);
  EXPECT_EQ(*store->Commit(Change(MakeRollout("a"), {"a2"}), false), 4);
  absl::StatusOr<std::vector<v1::RolloutEvent>> a = store->ListEvents("a", 0, 100);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].sequence(), 1);
  EXPECT_EQ((*a)[1].sequence(), 4);
  EXPECT_EQ(store->GetRollout("b")->status().event_sequence(), 3);
}

TEST(SqliteStateStoreTest, SequenceNumbersAreNeverReusedAfterDeletes) {
  ScopedTempDir dir;
  {
    StateStorePtr store = OpenOrDie(dir.path());
    ASSERT_EQ(*store->Commit(Change(MakeRollout("a"), {"1", "2", "3"}), true), 3);
  }
  // A future retention job deletes old events: their numbers stay used.
  ExecuteRaw(dir, "DELETE FROM events");
  StateStorePtr store = OpenOrDie(dir.path());
  EXPECT_EQ(*store->Commit(Change(MakeRollout("b"), {"4"}), true), 4);
}

TEST(SqliteStateStoreTest, CreatingATakenNameIsAlreadyExists) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  ASSERT_TRUE(store->Commit(Change(MakeRollout("a")), true).ok());
  absl::StatusOr<int64_t> again = store->Commit(Change(MakeRollout("a")), true);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr("Commit of rollout a"));
}

TEST(SqliteStateStoreTest, UpdatingAnUnknownRolloutIsNotFound) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  absl::StatusOr<int64_t> result = store->Commit(Change(MakeRollout("ghost"), {"x"}, 1.0), false);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("rollout ghost"));
  EXPECT_EQ(store->GetRollout("ghost").status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStateStoreTest, AnEmptyNameIsInvalidArgument) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  absl::StatusOr<int64_t> result = store->Commit(Change(MakeRollout("")), true);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("rollout.name"));
}

TEST(SqliteStateStoreTest, AFailedCommitStoresNothingOfIt) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  ASSERT_EQ(*store->Commit(Change(MakeRollout("a"), {"a1"}, 0.0), true), 1);

  // AlreadyExists is found after the events were written: they go too.
  v1::Rollout duplicate = MakeRollout("a");
  duplicate.mutable_status()->set_canary_weight(99);
  EXPECT_EQ(store->Commit(Change(duplicate, {"d1", "d2"}, 9.0), true).status().code(),
            absl::StatusCode::kAlreadyExists);

  // The tick insert, the last write of a Commit, fails.
  ExecuteRaw(dir,
             "CREATE TRIGGER fail_tick BEFORE INSERT ON ticks "
             "BEGIN SELECT RAISE(ABORT, 'disk gone'); END");
  v1::Rollout moved = MakeRollout("a");
  moved.mutable_status()->set_canary_weight(60);
  absl::StatusOr<int64_t> failed = store->Commit(Change(moved, {"m1"}, 60.0), false);
  EXPECT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("disk gone"));
  absl::StatusOr<int64_t> failed_new = store->Commit(Change(MakeRollout("c"), {"c1"}, 1.0), true);
  EXPECT_FALSE(failed_new.ok());
  ExecuteRaw(dir, "DROP TRIGGER fail_tick");

  absl::StatusOr<v1::Rollout> stored = store->GetRollout("a");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status().canary_weight(), 20);
  EXPECT_EQ(stored->status().event_sequence(), 1);
  absl::StatusOr<std::vector<v1::RolloutEvent>> events = store->ListEvents("a", 0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].message(), "a1");
  EXPECT_EQ(store->ListTicks("a", 0)->size(), 1u);
  EXPECT_EQ(store->GetRollout("c").status().code(), absl::StatusCode::kNotFound);
  // The numbers of the rolled-back events were never visible: the next
  // event follows the last stored one.
  EXPECT_EQ(*store->Commit(Change(MakeRollout("a"), {"a2"}), false), 2);
}

TEST(SqliteStateStoreTest, ReopenKeepsEverything) {
  ScopedTempDir dir;
  {
    StateStorePtr store = OpenOrDie(dir.path());
    ASSERT_TRUE(store->Commit(Change(MakeRollout("a"), {"a1"}, 0.0), true).ok());
    ASSERT_TRUE(store->Commit(Change(MakeRollout("b"), {"b1"}, 5.0), true).ok());
    v1::Rollout retried = MakeRollout("a");
    retried.mutable_status()->set_attempt(1);
    ASSERT_TRUE(store->Commit(Change(retried, {"a2"}, 10.0), false).ok());
  }
  StateStorePtr store = OpenOrDie(dir.path());
  absl::StatusOr<std::vector<v1::Rollout>> all = store->ListRollouts({});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Names(*all), ElementsAre("a", "b"));
  EXPECT_EQ(store->GetRollout("a")->status().attempt(), 1);
  EXPECT_EQ(store->GetRollout("a")->status().event_sequence(), 3);
  EXPECT_EQ(store->ListEvents("a", 0, 100)->size(), 2u);
  EXPECT_EQ(store->ListTicks("a", 0)->size(), 1u);
  ASSERT_EQ(store->ListTicks("a", 1)->size(), 1u);
  EXPECT_EQ((*store->ListTicks("a", 1))[0].canary_weight(), 10.0);
  EXPECT_EQ(*store->Commit(Change(MakeRollout("b"), {"b2"}), false), 4);
}

TEST(SqliteStateStoreTest, TicksAreKeptPerAttemptInCommitOrder) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  v1::Rollout rollout = MakeRollout("a");
  ASSERT_TRUE(store->Commit(Change(rollout, {}, 1.0), true).ok());
  for (double weight : {2.0, 3.0}) {
    ASSERT_TRUE(store->Commit(Change(rollout, {}, weight), false).ok());
  }
  rollout.mutable_status()->set_attempt(1);
  ASSERT_TRUE(store->Commit(Change(rollout, {}, 7.0), false).ok());
  ASSERT_TRUE(store->Commit(Change(MakeRollout("b"), {}, 50.0), true).ok());

  const std::vector<v1::Tick> ticks = store->ListTicks("a", 0).value();
  std::vector<double> first;
  first.reserve(ticks.size());
  for (const v1::Tick& tick : ticks) first.push_back(tick.canary_weight());
  EXPECT_THAT(first, ElementsAre(1.0, 2.0, 3.0));
  ASSERT_EQ(store->ListTicks("a", 1)->size(), 1u);
  EXPECT_EQ((*store->ListTicks("a", 1))[0].canary_weight(), 7.0);
  EXPECT_TRUE(store->ListTicks("a", 2)->empty());
  EXPECT_EQ(store->ListTicks("nobody", 0).status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStateStoreTest, ListEventsResumesAfterASequenceAndHonoursTheLimit) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  ASSERT_TRUE(store->Commit(Change(MakeRollout("a"), {"1", "2", "3", "4", "5"}), true).ok());
  ASSERT_TRUE(store->Commit(Change(MakeRollout("b"), {"6"}), true).ok());
  auto sequences = [&](int64_t after, int limit) {
    const std::vector<v1::RolloutEvent> events = store->ListEvents("a", after, limit).value();
    std::vector<int64_t> result;
    result.reserve(events.size());
    for (const v1::RolloutEvent& event : events) {
      result.push_back(event.sequence());
    }
    return result;
  };
  EXPECT_THAT(sequences(0, 2), ElementsAre(1, 2));
  EXPECT_THAT(sequences(2, 2), ElementsAre(3, 4));
  EXPECT_THAT(sequences(4, 100), ElementsAre(5));
  EXPECT_THAT(sequences(5, 100), ElementsAre());
  EXPECT_THAT(sequences(0, 0), ElementsAre(1));  // clamped up to 1
  EXPECT_THAT(sequences(0, -3), ElementsAre(1));
  EXPECT_EQ(store->ListEvents("nobody", 0, 10).status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStateStoreTest, ListRolloutsFiltersAndPagesByName) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  struct Row {
    const char* name;
    const char* namespace_name;
    const char* virtual_service;
    const char* revision;
    v1::Phase phase;
  };
  for (const Row& row : std::vector<Row>{
           {"r1", "shop", "checkout", "v2", v1::PHASE_PROGRESSING},
           {"r2", "shop", "checkout", "v1", v1::PHASE_SUCCEEDED},
           {"r3", "shop", "cart", "v2", v1::PHASE_PAUSED},
           {"r4", "bank", "checkout", "v2", v1::PHASE_ROLLED_BACK},
           {"r5", "shop", "checkout", "v3", v1::PHASE_PAUSED},
       }) {
    ASSERT_TRUE(store
                    ->Commit(Change(MakeRollout(row.name, row.namespace_name, row.virtual_service,
                                                row.revision, row.phase)),
                             true)
                    .ok());
  }
  auto list = [&](const RolloutFilter& filter) {
    absl::StatusOr<std::vector<v1::Rollout>> rollouts = store->ListRollouts(filter);
    EXPECT_TRUE(rollouts.ok()) << rollouts.status();
    return rollouts.ok() ? Names(*rollouts) : std::vector<std::string>{};
  };
  EXPECT_THAT(list({}), ElementsAre("r1", "r2", "r3", "r4", "r5"));
  EXPECT_THAT(list({.namespace_name = "shop"}), ElementsAre("r1", "r2", "r3", "r5"));
  EXPECT_THAT(list({.virtual_service = "checkout"}), ElementsAre("r1", "r2", "r4", "r5"));
  EXPECT_THAT(list({.phases = {v1::PHASE_PAUSED, v1::PHASE_SUCCEEDED}}),
              ElementsAre("r2", "r3", "r5"));
  EXPECT_THAT(list({.revision = "v2"}), ElementsAre("r1", "r3", "r4"));
  // The engine's idempotent-create lookup: same target, same revision.
  EXPECT_THAT(list({.namespace_name = "shop", .virtual_service = "checkout", .revision = "v2"}),
              ElementsAre("r1"));
  EXPECT_THAT(list({.namespace_name = "shop", .virtual_service = "checkout", .revision = "v9"}),
              ElementsAre());
  EXPECT_THAT(list({.namespace_name = "shop", .phases = {v1::PHASE_PAUSED}}),
              ElementsAre("r3", "r5"));

  // Pages of two, each after the last name of the one before.
  EXPECT_THAT(list({.limit = 2}), ElementsAre("r1", "r2"));
  EXPECT_THAT(list({.after_name = "r2", .limit = 2}), ElementsAre("r3", "r4"));
  EXPECT_THAT(list({.after_name = "r4", .limit = 2}), ElementsAre("r5"));
  EXPECT_THAT(list({.after_name = "r5", .limit = 2}), ElementsAre());
  EXPECT_THAT(list({.namespace_name = "shop", .after_name = "r1", .limit = 2}),
              ElementsAre("r2", "r3"));
  EXPECT_THAT(list({.limit = 0}), ElementsAre("r1"));  // clamped up to 1
}

TEST(SqliteStateStoreTest, ListRolloutsClampsTheLimitToAThousand) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path(), {.synchronous_full = false});
  for (int i = 0; i < 1001; ++i) {
    ASSERT_TRUE(store->Commit(Change(MakeRollout(absl::StrCat("r", 10000 + i))), true).ok());
  }
  EXPECT_EQ(store->ListRollouts({.limit = 5000})->size(), 1000u);
  EXPECT_EQ(store->ListRollouts({.after_name = "r10999", .limit = 5000})->size(), 1u);
}

TEST(SqliteStateStoreTest, AnUnknownPhaseInTheFilterIsInvalidArgument) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path());
  absl::StatusOr<std::vector<v1::Rollout>> result =
      store->ListRollouts({.phases = {v1::PHASE_PAUSED, static_cast<v1::Phase>(77)}});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("filter.phases[1]: unknown phase 77"));
}

TEST(SqliteStateStoreTest, RefusesADatabaseFromANewerSchemaNamingBothVersions) {
  ScopedTempDir dir;
  { ASSERT_NE(OpenOrDie(dir.path()), nullptr); }
  ExecuteRaw(dir, "INSERT INTO schema_migrations VALUES (42, datetime('now'))");
  absl::StatusOr<StateStorePtr> store = SqliteStateStore::Open(dir.path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 42, newer than version 1"));
  EXPECT_THAT(store.status().message(), HasSubstr(DbPath(dir)));
}

TEST(SqliteStateStoreTest, AFileThatIsNotADatabaseIsAnError) {
  ScopedTempDir dir;
  {
    std::ofstream file(DbPath(dir));
    for (int i = 0; i < 200; ++i) file << "this is a text file, not a database\n";
  }
  absl::StatusOr<StateStorePtr> store = SqliteStateStore::Open(dir.path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(store.status().message(), HasSubstr(DbPath(dir)));
  EXPECT_THAT(store.status().message(), HasSubstr("not a database"));
}

TEST(SqliteStateStoreTest, ACorruptRowIsDataLossNamingTheRollout) {
  ScopedTempDir dir;
  const std::string long_name(300, 'x');  // cut inside its length-delimited bytes
  {
    StateStorePtr store = OpenOrDie(dir.path());
    ASSERT_TRUE(store->Commit(Change(MakeRollout("good"), {"g"}, 1.0), true).ok());
    ASSERT_TRUE(store->Commit(Change(MakeRollout(long_name), {"e1"}, 2.0), true).ok());
  }
  ExecuteRaw(
      dir, "UPDATE rollouts SET rollout = substr(rollout, 1, 40) WHERE name = '" + long_name + "'");
  ExecuteRaw(dir, "UPDATE events SET event = x'ffffffff' WHERE rollout = '" + long_name + "'");
  ExecuteRaw(dir, "UPDATE ticks SET tick = x'0a' WHERE rollout = '" + long_name + "'");
  StateStorePtr store = OpenOrDie(dir.path());

  absl::StatusOr<v1::Rollout> rollout = store->GetRollout(long_name);
  EXPECT_EQ(rollout.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(rollout.status().message(), HasSubstr("rollout " + long_name + " is corrupt"));
  absl::StatusOr<std::vector<v1::Rollout>> all = store->ListRollouts({});
  EXPECT_EQ(all.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(all.status().message(), HasSubstr(long_name));
  absl::StatusOr<std::vector<v1::RolloutEvent>> events = store->ListEvents(long_name, 0, 10);
  EXPECT_EQ(events.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(events.status().message(), HasSubstr("event 2 of rollout " + long_name));
  absl::StatusOr<std::vector<v1::Tick>> ticks = store->ListTicks(long_name, 0);
  EXPECT_EQ(ticks.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(ticks.status().message(), HasSubstr("tick 1 of attempt 0 of rollout " + long_name));

  // The intact rollout is still served.
  EXPECT_TRUE(store->GetRollout("good").ok());
  EXPECT_TRUE(store->ListEvents("good", 0, 10).ok());
}

TEST(SqliteStateStoreTest, ConcurrentWritersAndReadersSeeConsistentState) {
  ScopedTempDir dir;
  StateStorePtr store = OpenOrDie(dir.path(), {.synchronous_full = false});
  constexpr int kWriters = 4;
  constexpr int kCommitsPerWriter = 40;
  std::atomic<int> writers_done = 0;
  std::atomic<int> read_errors = 0;
  std::vector<std::thread> threads;
  threads.reserve(kWriters + 2);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      v1::Rollout rollout = MakeRollout(absl::StrCat("writer-", w));
      for (int i = 0; i < kCommitsPerWriter; ++i) {
        rollout.mutable_status()->set_ticks(i + 1);
        absl::StatusOr<int64_t> sequence =
            store->Commit(Change(rollout, {absl::StrCat(i, "a"), absl::StrCat(i, "b")}, i),
                          /*new_rollout=*/i == 0);
        EXPECT_TRUE(sequence.ok()) << sequence.status();
      }
      ++writers_done;
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      // Bounded: stops when the writers are done, or after 20 000 reads.
      for (int i = 0; i < 20'000 && writers_done.load() < kWriters; ++i) {
        const std::string name = absl::StrCat("writer-", i % kWriters);
        absl::StatusOr<v1::Rollout> rollout = store->GetRollout(name);
        if (!rollout.ok()) {
          if (rollout.status().code() != absl::StatusCode::kNotFound) ++read_errors;
          continue;
        }
        // A reader never sees a rollout ahead of its own events.
        absl::StatusOr<std::vector<v1::RolloutEvent>> events =
            store->ListEvents(name, rollout->status().event_sequence() - 1, 1000);
        if (!events.ok() || events->empty() ||
            events->front().sequence() != rollout->status().event_sequence()) {
          ++read_errors;
        }
        if (!store->ListRollouts({.limit = 10}).ok()) ++read_errors;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(read_errors.load(), 0);

  std::set<int64_t> all_sequences;
  for (int w = 0; w < kWriters; ++w) {
    const std::string name = absl::StrCat("writer-", w);
    absl::StatusOr<std::vector<v1::RolloutEvent>> events = store->ListEvents(name, 0, 1000);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 2u * kCommitsPerWriter);
    for (size_t i = 0; i < events->size(); ++i) {
      EXPECT_EQ((*events)[i].message(), absl::StrCat(i / 2, i % 2 == 0 ? "a" : "b"));
      all_sequences.insert((*events)[i].sequence());
    }
    EXPECT_EQ(store->GetRollout(name)->status().event_sequence(), events->back().sequence());
    EXPECT_EQ(store->ListTicks(name, 0)->size(), static_cast<size_t>(kCommitsPerWriter));
  }
  // Every number from 1 to the total handed out exactly once.
  ASSERT_EQ(all_sequences.size(), 2u * kWriters * kCommitsPerWriter);
  EXPECT_EQ(*all_sequences.begin(), 1);
  EXPECT_EQ(*all_sequences.rbegin(), 2 * kWriters * kCommitsPerWriter);
}

}  // namespace
}  // namespace kanarya::store
