// The state store's latency with 1000 stored rollouts: a Commit as the
// engine makes one per tick (the rollout, one event, one tick) and a
// GetRollout, each with synchronous=FULL (survives power loss) and NORMAL
// (survives kill -9 only). Besides the mean, each reports its p50 and p99.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/store/store_test_util.h"

namespace kanarya::bench {
namespace {

using store::testing::MakeEvent;
using store::testing::MakeRollout;
using store::testing::MakeTick;

constexpr int kRollouts = 1000;

std::string RolloutName(int index) { return absl::StrCat("checkout-", 100000 + index); }

// A store holding kRollouts rollouts, each with one event and one tick,
// reopened with the synchronous mode under test (filled with NORMAL: the
// mode is a property of the connection, not of the file).
store::StateStorePtr FilledStore(const std::string& dir, bool synchronous_full) {
  {
    store::StateStorePtr filling =
        store::SqliteStateStore::Open(dir, {.synchronous_full = false}).value();
    for (int i = 0; i < kRollouts; ++i) {
      store::Mutation mutation{.rollout = MakeRollout(RolloutName(i)),
                               .events = {MakeEvent("created")},
                               .tick = MakeTick(0)};
      if (!filling->Commit(mutation, /*new_rollout=*/true).ok()) std::abort();
    }
  }
  return store::SqliteStateStore::Open(dir, {.synchronous_full = synchronous_full}).value();
}

// Times each call of `operation` and reports p50 and p99 next to the mean.
template <typename Operation>
void RunTimed(benchmark::State& state, Operation operation) {
  std::vector<double> micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    operation();
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[micros.size() * 99 / 100];
}

void BM_Commit(benchmark::State& state) {
  const bool synchronous_full = state.range(0) == 1;
  store::testing::ScopedTempDir dir;
  store::StateStorePtr db = FilledStore(dir.path(), synchronous_full);
  std::vector<v1::Rollout> rollouts;
  rollouts.reserve(kRollouts);
  for (int i = 0; i < kRollouts; ++i) rollouts.push_back(MakeRollout(RolloutName(i)));
  int next = 0;
  RunTimed(state, [&] {
    v1::Rollout& rollout = rollouts[next++ % kRollouts];
    rollout.mutable_status()->set_ticks(rollout.status().ticks() + 1);
    store::Mutation mutation{
        .rollout = rollout, .events = {MakeEvent("analysis")}, .tick = MakeTick(20)};
    if (!db->Commit(mutation, /*new_rollout=*/false).ok()) state.SkipWithError("commit failed");
  });
  state.SetLabel(synchronous_full ? "synchronous=FULL" : "synchronous=NORMAL");
}
BENCHMARK(BM_Commit)->ArgName("full")->Arg(1)->Arg(0)->UseRealTime();

void BM_GetRollout(benchmark::State& state) {
  const bool synchronous_full = state.range(0) == 1;
  store::testing::ScopedTempDir dir;
  store::StateStorePtr db = FilledStore(dir.path(), synchronous_full);
  std::vector<std::string> names;
  names.reserve(kRollouts);
  for (int i = 0; i < kRollouts; ++i) names.push_back(RolloutName(i));
  std::mt19937 random(42);
  std::uniform_int_distribution<int> pick(0, kRollouts - 1);
  RunTimed(state, [&] {
    absl::StatusOr<v1::Rollout> rollout = db->GetRollout(names[pick(random)]);
    if (!rollout.ok()) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(rollout);
  });
  state.SetLabel(synchronous_full ? "synchronous=FULL" : "synchronous=NORMAL");
}
BENCHMARK(BM_GetRollout)->ArgName("full")->Arg(1)->Arg(0)->UseRealTime();

// GetRollout while another thread commits back to back with
// synchronous=FULL: reads use their own connection, so they do not wait for
// a commit's fsync.
void BM_GetRolloutDuringCommits(benchmark::State& state) {
  store::testing::ScopedTempDir dir;
  store::StateStorePtr db = FilledStore(dir.path(), /*synchronous_full=*/true);
  std::atomic<bool> stop = false;
  std::atomic<int64_t> commits = 0;
  std::thread writer([&] {
    v1::Rollout rollout = MakeRollout(RolloutName(0));
    while (!stop.load()) {
      store::Mutation mutation{
          .rollout = rollout, .events = {MakeEvent("analysis")}, .tick = MakeTick(20)};
      if (db->Commit(mutation, /*new_rollout=*/false).ok()) ++commits;
    }
  });
  std::mt19937 random(42);
  std::uniform_int_distribution<int> pick(0, kRollouts - 1);
  RunTimed(state, [&] {
    absl::StatusOr<v1::Rollout> rollout = db->GetRollout(RolloutName(pick(random)));
    if (!rollout.ok()) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(rollout);
  });
  stop = true;
  writer.join();
  state.counters["commits"] = static_cast<double>(commits.load());
}
BENCHMARK(BM_GetRolloutDuringCommits)->UseRealTime();

// The engine's idempotent-create lookup: same target and revision.
void BM_ListRolloutsByRevision(benchmark::State& state) {
  store::testing::ScopedTempDir dir;
  store::StateStorePtr db = FilledStore(dir.path(), /*synchronous_full=*/true);
  RunTimed(state, [&] {
    auto rollouts = db->ListRollouts(
        {.namespace_name = "shop", .virtual_service = "checkout", .revision = "v3", .limit = 10});
    if (!rollouts.ok()) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(rollouts);
  });
}
BENCHMARK(BM_ListRolloutsByRevision)->UseRealTime();

}  // namespace
}  // namespace kanarya::bench

BENCHMARK_MAIN();
