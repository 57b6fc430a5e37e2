// Kill-safety: a child process commits in a loop and is SIGKILLed at a
// random instant (during open and migration too); the database it leaves
// must open and be consistent, every time.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/store/store_test_util.h"
#include "gtest/gtest.h"

namespace kanarya::store {
namespace {

using testing::MakeEvent;
using testing::MakeRollout;
using testing::MakeTick;
using testing::ScopedTempDir;

constexpr int kRuns = 24;
constexpr int kMaxKillDelayMs = 60;
constexpr int kMaxCommitsPerChild = 100'000;  // bounds a child the kill misses

// The child: opens the store and commits until killed. Each commit of
// rollout `run-K` appends 1-3 events and one tick, and records in
// status.ticks how many ticks it has, so the parent can check both logs.
[[noreturn]] void CommitUntilKilled(const std::string& data_dir, int run) {
  absl::StatusOr<StateStorePtr> store = SqliteStateStore::Open(data_dir);
  if (!store.ok()) _exit(2);
  for (int i = 0; i < kMaxCommitsPerChild; ++i) {
    const int rollout_index = i / 5;  // five commits per rollout
    v1::Rollout rollout = MakeRollout(absl::StrCat("run", run, "-", rollout_index));
    rollout.mutable_status()->set_ticks(i % 5 + 1);
    Mutation mutation{.rollout = rollout, .tick = MakeTick(i % 5 + 1)};
    for (int e = 0; e <= i % 3; ++e) mutation.events.push_back(MakeEvent(absl::StrCat(i, ".", e)));
    if (!(*store)->Commit(mutation, /*new_rollout=*/i % 5 == 0).ok()) _exit(3);
  }
  _exit(0);
}

// Checks the invariants a crash must not break; returns the events seen.
int64_t CheckConsistent(StateStore& store) {
  std::set<int64_t> sequences;
  std::string after;
  for (;;) {
    absl::StatusOr<std::vector<v1::Rollout>> page =
        store.ListRollouts({.after_name = after, .limit = 100});
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->empty()) break;
    for (const v1::Rollout& rollout : *page) {
      absl::StatusOr<std::vector<v1::RolloutEvent>> events =
          store.ListEvents(rollout.name(), 0, 1000);
      EXPECT_TRUE(events.ok()) << events.status();
      if (!events.ok()) continue;
      EXPECT_FALSE(events->empty()) << rollout.name();
      if (events->empty()) continue;
      EXPECT_EQ(rollout.status().event_sequence(), events->back().sequence()) << rollout.name();
      for (const v1::RolloutEvent& event : *events) {
        EXPECT_TRUE(sequences.insert(event.sequence()).second) << event.sequence();
      }
      absl::StatusOr<std::vector<v1::Tick>> ticks = store.ListTicks(rollout.name(), 0);
      EXPECT_TRUE(ticks.ok()) << ticks.status();
      if (!ticks.ok()) continue;
      EXPECT_EQ(static_cast<int>(ticks->size()), rollout.status().ticks()) << rollout.name();
      for (size_t t = 0; t < ticks->size(); ++t) {
        EXPECT_EQ((*ticks)[t].canary_weight(), static_cast<double>(t + 1)) << rollout.name();
      }
    }
    after = page->back().name();
  }
  // No gaps: the stored numbers are exactly 1..N.
  if (!sequences.empty()) {
    EXPECT_EQ(*sequences.begin(), 1);
    EXPECT_EQ(*sequences.rbegin(), static_cast<int64_t>(sequences.size()));
  }
  return static_cast<int64_t>(sequences.size());
}

TEST(SqliteStateStoreCrashTest, SurvivesSigkillAtRandomInstants) {
  ScopedTempDir dir;
  const std::string data_dir = dir.path() + "/data";
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, kMaxKillDelayMs);
  int64_t events_before = 0;
  for (int run = 0; run < kRuns; ++run) {
    const pid_t child = fork();
    ASSERT_GE(child, 0) << "fork failed";
    if (child == 0) CommitUntilKilled(data_dir, run);
    const int delay = delay_ms(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(waitpid(child, &wait_status, 0), child);
    // Killed, or (rarely, on a very slow machine) done: never failed.
    if (WIFEXITED(wait_status)) {
      ASSERT_EQ(WEXITSTATUS(wait_status), 0) << "the child's store failed in run " << run;
    }

    absl::StatusOr<StateStorePtr> store = SqliteStateStore::Open(data_dir);
    ASSERT_TRUE(store.ok()) << "run " << run << " killed after " << delay
                            << " ms: " << store.status();
    const int64_t events = CheckConsistent(**store);
    EXPECT_GE(events, events_before) << "run " << run << " lost committed events";
    events_before = events;
    if (HasFailure()) {
      ADD_FAILURE() << "inconsistent after run " << run << " killed after " << delay << " ms";
      return;
    }
  }
  // The kills landed while commits were running, not only before the first.
  EXPECT_GT(events_before, 0);
}

}  // namespace
}  // namespace kanarya::store
