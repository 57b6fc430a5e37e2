// The batch and newest-first parts of the StateStore contract, checked on
// both implementations: SQLite (on a temporary directory, reopened where it
// matters) and the in-memory double the engine's tests use.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store/memory_state_store.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/store/store_test_util.h"
#include "daemon/testing/crashing_state_store.h"

namespace kanarya::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeEvent;
using testing::MakeRollout;
using testing::MakeTick;

Mutation Update(const std::string& name, int canary_weight,
                const std::vector<std::string>& messages, bool with_tick = false) {
  Mutation mutation{.rollout = MakeRollout(name)};
  mutation.rollout.mutable_status()->set_canary_weight(canary_weight);
  for (const std::string& message : messages) mutation.events.push_back(MakeEvent(message));
  if (with_tick) mutation.tick = MakeTick(canary_weight);
  return mutation;
}

std::vector<std::string> Messages(const std::vector<v1::RolloutEvent>& events) {
  std::vector<std::string> messages;
  messages.reserve(events.size());
  for (const v1::RolloutEvent& event : events) messages.push_back(event.message());
  return messages;
}

std::vector<int64_t> Sequences(const std::vector<v1::RolloutEvent>& events) {
  std::vector<int64_t> sequences;
  sequences.reserve(events.size());
  for (const v1::RolloutEvent& event : events) sequences.push_back(event.sequence());
  return sequences;
}

class SqliteStore {
 public:
  StateStore& store() { return *store_; }
  // Closes and opens the database again: what was committed must be there.
  void Reopen() {
    store_.reset();
    store_ = Open();
  }

 private:
  StateStorePtr Open() {
    absl::StatusOr<StateStorePtr> opened = SqliteStateStore::Open(dir_.path());
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      std::abort();  // the temporary directory is unusable: no test can run
    }
    return *std::move(opened);
  }

  testing::ScopedTempDir dir_;
  StateStorePtr store_ = Open();
};

class MemoryStore {
 public:
  StateStore& store() { return store_; }
  void Reopen() {}

 private:
  kanarya::store::MemoryStateStore store_;
};

template <typename Implementation>
class StateStoreBatchTest : public ::testing::Test {
 protected:
  // Stores rollouts "a" and "b" with one event each (sequences 1 and 2).
  void SetUp() override {
    ASSERT_EQ(*store().Commit(Update("a", 0, {"a created"}), true), 1);
    ASSERT_EQ(*store().Commit(Update("b", 0, {"b created"}), true), 2);
  }
  StateStore& store() { return implementation_.store(); }

  Implementation implementation_;
};

using Implementations = ::testing::Types<SqliteStore, MemoryStore>;
TYPED_TEST_SUITE(StateStoreBatchTest, Implementations);

TYPED_TEST(StateStoreBatchTest, StoresEveryUpdateInOrderWithGlobalSequences) {
  const std::vector<Mutation> batch = {
      Update("a", 10, {"a ticked", "a advanced"}, /*with_tick=*/true),
      Update("b", 5, {}, /*with_tick=*/true),
      Update("a", 20, {"a applied"}),  // the same rollout again: applied after the first
  };
  absl::StatusOr<std::vector<int64_t>> sequences = this->store().CommitBatch(batch);
  ASSERT_TRUE(sequences.ok()) << sequences.status();
  EXPECT_THAT(*sequences, ElementsAre(4, 2, 5));  // b kept its newest event
  this->implementation_.Reopen();

  const v1::Rollout a = this->store().GetRollout("a").value();
  EXPECT_EQ(a.status().canary_weight(), 20);
  EXPECT_EQ(a.status().event_sequence(), 5);
  EXPECT_EQ(this->store().GetRollout("b")->status().canary_weight(), 5);
  const std::vector<v1::RolloutEvent> events = this->store().ListEvents("a", 0, 100).value();
  EXPECT_THAT(Messages(events), ElementsAre("a created", "a ticked", "a advanced", "a applied"));
  EXPECT_THAT(Sequences(events), ElementsAre(1, 3, 4, 5));
  EXPECT_EQ(this->store().ListTicks("a", 0)->size(), 1u);
  EXPECT_EQ(this->store().ListTicks("b", 0)->size(), 1u);
}

// The baseline's history goes in with the mutation, before its tick, in order.
TYPED_TEST(StateStoreBatchTest, HistoryTicksAreStoredBeforeTheTickInOrder) {
  Mutation started = Update("a", 10, {"a started"}, /*with_tick=*/true);
  for (const double weight : {1.0, 2.0, 3.0}) {
    started.history.push_back(MakeTick(weight));
    started.history.back().set_baseline_history(true);
  }
  ASSERT_TRUE(this->store().CommitBatch({&started, 1}).ok());
  ASSERT_TRUE(this->store().Commit(Update("a", 20, {}, /*with_tick=*/true), false).ok());
  this->implementation_.Reopen();
  const absl::StatusOr<std::vector<v1::Tick>> stored = this->store().ListTicks("a", 0);
  ASSERT_TRUE(stored.ok()) << stored.status();
  std::vector<std::pair<double, bool>> ticks;
  for (const v1::Tick& tick : *stored) {
    ticks.emplace_back(tick.canary_weight(), tick.baseline_history());
  }
  EXPECT_THAT(ticks, ElementsAre(std::pair{1.0, true}, std::pair{2.0, true}, std::pair{3.0, true},
                                 std::pair{10.0, false}, std::pair{20.0, false}));
}

TYPED_TEST(StateStoreBatchTest, AFailingUpdateInTheMiddleStoresNothingOfTheBatch) {
  Mutation started = Update("a", 10, {"a ticked"}, /*with_tick=*/true);
  started.history = {MakeTick(1), MakeTick(2)};
  const std::vector<Mutation> batch = {
      started,
      Update("nobody", 10, {"lost"}),
      Update("b", 10, {"b ticked"}, /*with_tick=*/true),
  };
  absl::StatusOr<std::vector<int64_t>> failed = this->store().CommitBatch(batch);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  this->implementation_.Reopen();

  for (const std::string name : {"a", "b"}) {
    EXPECT_EQ(this->store().GetRollout(name)->status().canary_weight(), 0) << name;
    EXPECT_EQ(this->store().ListEvents(name, 0, 100)->size(), 1u) << name;
    EXPECT_TRUE(this->store().ListTicks(name, 0)->empty()) << name;
  }
  // The refused events' numbers were never visible.
  EXPECT_EQ(*this->store().Commit(Update("b", 1, {"b next"}), false), 3);
}

TYPED_TEST(StateStoreBatchTest, AnEmptyBatchStoresNothing) {
  absl::StatusOr<std::vector<int64_t>> none = this->store().CommitBatch({});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(this->store().GetRollout("a")->status().event_sequence(), 1);
}

TYPED_TEST(StateStoreBatchTest, RecentEventsAreTheNewestFirst) {
  ASSERT_TRUE(this->store().Commit(Update("a", 0, {"2", "3", "4", "5"}), false).ok());
  ASSERT_TRUE(this->store().Commit(Update("b", 0, {"b later"}), false).ok());
  EXPECT_THAT(Messages(this->store().ListRecentEvents("a", 3).value()), ElementsAre("5", "4", "3"));
  EXPECT_THAT(Sequences(this->store().ListRecentEvents("a", 100).value()),
              ElementsAre(6, 5, 4, 3, 1));
  EXPECT_THAT(Messages(this->store().ListRecentEvents("b", 1).value()), ElementsAre("b later"));
  EXPECT_THAT(Messages(this->store().ListRecentEvents("a", 0).value()), ElementsAre("5"));
  EXPECT_EQ(this->store().ListRecentEvents("nobody", 5).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SqliteStateStoreBatchTest, AnUnnamedUpdateIsInvalidArgumentNamingItsIndex) {
  SqliteStore sqlite;
  ASSERT_TRUE(sqlite.store().Commit(Update("a", 0, {}), true).ok());
  std::vector<Mutation> batch = {Update("a", 10, {}), Update("", 10, {})};
  absl::StatusOr<std::vector<int64_t>> failed = sqlite.store().CommitBatch(batch);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(failed.status().message(), HasSubstr("updates[1].rollout.name"));
  EXPECT_EQ(sqlite.store().GetRollout("a")->status().canary_weight(), 0);
}

TEST(CrashingStateStoreTest, ABatchAcrossTheCrashPointIsRefusedWhole) {
  kanarya::store::MemoryStateStore memory;
  kanarya::testing::CrashingStateStore store(memory);
  ASSERT_TRUE(store.Commit(Update("a", 0, {}), true).ok());
  ASSERT_TRUE(store.Commit(Update("b", 0, {}), true).ok());
  store.CrashAfter(1);  // the daemon dies in the middle of the next batch
  const std::vector<Mutation> batch = {Update("a", 10, {"a"}), Update("b", 10, {"b"})};
  EXPECT_EQ(store.CommitBatch(batch).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(store.crashed());
  EXPECT_EQ(memory.GetRollout("a")->status().canary_weight(), 0);
  EXPECT_EQ(store.commit_count(), 2);
  store.CrashAfter(std::nullopt);
  ASSERT_TRUE(store.CommitBatch(batch).ok());
  EXPECT_EQ(store.commit_count(), 4);
  EXPECT_EQ(store.transaction_count(), 3);
  EXPECT_EQ(memory.GetRollout("b")->status().canary_weight(), 10);
}

}  // namespace
}  // namespace kanarya::store
