// One engine driving many concurrent rollouts: five metrics each, 10 s
// ticks, on the real SqliteStateStore (synchronous=FULL, as the daemon runs
// it) with scripted Prometheus and Loki answers and an in-memory mesh, on a
// virtual clock driven as fast as it goes. Per scenario it reports the CPU
// seconds one simulated minute costs (so the share of a core at real time),
// the wall seconds (above 60 the engine could not keep up in real time), the
// wall time of each RunDue pass (p50/p99: how late the last tick of a pass
// runs), the transactions (syncs to disk) per simulated minute, and the peak
// RSS. Each scenario runs in a child process of its own, so the RSS is its
// own. Prints Markdown.
//   engine_scale_benchmark [rollouts=1000] [simulated minutes=5] [data dir=/tmp]
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/virtual_clock.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/testing/crashing_state_store.h"
#include "daemon/testing/fake_metric_provider.h"
#include "daemon/testing/fake_traffic_router.h"

namespace kanarya {
namespace {

constexpr absl::Duration kTick = absl::Seconds(10);

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The peak resident set (VmHWM) in MiB, or -1 when /proc is unreadable.
double PeakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmHWM:")) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return -1;
}

void AddMetric(v1::RolloutSpec& spec, const std::string& name, v1::MetricKind kind,
               const std::string& provider, double tolerance, bool critical) {
  v1::MetricSpec& metric = *spec.mutable_analysis()->add_metrics();
  metric.set_name(name);
  metric.set_kind(kind);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.set_tolerance(tolerance);
  metric.set_critical(critical);
  metric.mutable_source()->set_provider(provider);
  const std::string selector = absl::StrCat("{workload=\"{{workload}}\"}");
  if (kind == v1::METRIC_KIND_COUNT) {
    metric.mutable_source()->set_events_query(absl::StrCat(name, "_events", selector));
    metric.mutable_source()->set_total_query(absl::StrCat(name, "_total", selector));
  } else {
    metric.mutable_source()->set_value_query(absl::StrCat(name, selector));
  }
}

// A good canary of service `i` that stays in progress for hours: 19 steps of
// 10 minutes each, five metrics (two counts, one of them on Loki; three
// continuous).
v1::RolloutSpec ScaleSpec(int i) {
  v1::RolloutSpec spec;
  const std::string service = absl::StrCat("svc-", i);
  v1::RolloutTarget& target = *spec.mutable_target();
  target.set_namespace_(absl::StrCat("team-", i % 50));
  target.set_virtual_service(service);
  target.set_route("primary");
  target.mutable_stable()->set_host(service);
  target.mutable_stable()->set_subset("stable");
  target.mutable_canary()->set_subset("canary");
  target.set_destination_rule(service);
  spec.set_revision("v2");
  spec.mutable_scopes()->mutable_baseline()->set_workload(absl::StrCat(service, "-v1"));
  spec.mutable_scopes()->mutable_baseline()->set_version("v1");
  spec.mutable_scopes()->mutable_canary()->set_workload(absl::StrCat(service, "-v2"));
  spec.mutable_scopes()->mutable_canary()->set_version("v2");
  v1::StepPlan& steps = *spec.mutable_steps();
  steps.set_step_weight(5);
  steps.set_max_weight(95);
  steps.mutable_min_step_duration()->set_seconds(600);
  steps.mutable_max_step_duration()->set_seconds(1200);
  steps.mutable_tick_interval()->set_seconds(absl::ToInt64Seconds(kTick));
  AddMetric(spec, "errors", v1::METRIC_KIND_COUNT, "prometheus", 0.2, true);
  AddMetric(spec, "latency_p95", v1::METRIC_KIND_CONTINUOUS, "prometheus", 0.1, false);
  AddMetric(spec, "cpu", v1::METRIC_KIND_CONTINUOUS, "prometheus", 0.2, false);
  AddMetric(spec, "memory", v1::METRIC_KIND_CONTINUOUS, "prometheus", 0.2, false);
  AddMetric(spec, "log_errors", v1::METRIC_KIND_COUNT, "loki", 0.5, false);
  return spec;
}

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer: a cheap, repeatable hash
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Both sides alike: ~1000 requests a tick with binomial 0.5 % errors (the
// events and total queries of a tick agree), values around 100. Cheap, so
// the figures are the engine's and the store's.
absl::StatusOr<metrics::QueryResult> Answer(const metrics::Query& q) {
  const bool events = absl::StrContains(q.expression, "_events");
  const bool total = absl::StrContains(q.expression, "_total");
  const std::string key = absl::StrReplaceAll(q.expression, {{"_events", ""}, {"_total", ""}});
  const uint64_t h =
      Mix(std::hash<std::string>()(key) ^ static_cast<uint64_t>(absl::ToUnixSeconds(q.end)));
  if (!events && !total) {
    return testing::VectorResult({100.0 + static_cast<double>(h % 1000) / 100.0}, q.end);
  }
  const int64_t requests = 950 + static_cast<int64_t>(h % 100);
  if (total) return testing::VectorResult({static_cast<double>(requests)}, q.end);
  std::mt19937_64 random(h);
  return testing::VectorResult(
      {static_cast<double>(std::binomial_distribution<int64_t>(requests, 0.005)(random))}, q.end);
}

struct Scenario {
  const char* name;
  bool spread;  // ticks spread evenly over the interval, as rollouts created at random times
  absl::Duration pass_spacing;
};

void RunScenario(const Scenario& scenario, int rollouts, int minutes, const std::string& base) {
  std::string dir = absl::StrCat(base, "/kanarya-scale-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror(dir.c_str());
    std::exit(1);
  }
  absl::StatusOr<store::StateStorePtr> sqlite = store::SqliteStateStore::Open(dir);
  if (!sqlite.ok()) {
    std::fprintf(stderr, "%s\n", sqlite.status().ToString().c_str());
    std::exit(1);
  }
  testing::CrashingStateStore store(**sqlite);  // never crashes here: it counts transactions
  engine::VirtualClock clock;
  testing::FakeMesh mesh;
  testing::FakeMetricProvider prometheus(Answer);
  testing::FakeMetricProvider loki(Answer);
  engine::RolloutEngine engine(
      clock, store,
      [&](const std::string& name) -> metrics::MetricProvider* {
        return name == "loki" ? &loki : &prometheus;
      },
      [&mesh](const v1::Rollout& rollout) { return mesh.MakeRouter(rollout); },
      {.pass_spacing = scenario.pass_spacing});

  // Start every rollout (each preflight in its own pass when spread).
  for (int i = 0; i < rollouts; ++i) {
    v1::CreateRolloutRequest create;
    *create.mutable_spec() = ScaleSpec(i);
    absl::StatusOr<v1::CreateRolloutResponse> created = engine.Create(create, {"ci", "pipeline"});
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
      std::exit(1);
    }
    if (scenario.spread) {
      engine.RunDue();
      clock.Advance(kTick / rollouts);
    }
  }
  absl::Time next = engine.RunDue();
  // One simulated minute of warm-up, then the measurement.
  const auto run_until = [&](absl::Time end, std::vector<double>* pass_ms) {
    while (next < end) {
      clock.AdvanceTo(next);
      const absl::Time started = absl::Now();
      next = engine.RunDue();
      if (pass_ms != nullptr) pass_ms->push_back(absl::ToDoubleMilliseconds(absl::Now() - started));
    }
  };
  run_until(clock.Now() + absl::Minutes(1), nullptr);
  const int64_t transactions = store.transaction_count();
  const double cpu = CpuSeconds();
  const absl::Time wall = absl::Now();
  std::vector<double> pass_ms;
  run_until(clock.Now() + absl::Minutes(minutes), &pass_ms);
  const double cpu_per_minute = (CpuSeconds() - cpu) / minutes;
  const double wall_per_minute = absl::ToDoubleSeconds(absl::Now() - wall) / minutes;
  std::sort(pass_ms.begin(), pass_ms.end());
  const auto at = [&pass_ms](double q) {
    return pass_ms.empty() ? 0.0 : pass_ms[static_cast<size_t>(q * (pass_ms.size() - 1))];
  };
  // Where the rollouts are: all should still be progressing (the reasons
  // of any that are not go to stderr).
  store::RolloutFilter all;
  all.limit = 1000;
  size_t active = 0;
  for (std::string after;;) {
    all.after_name = after;
    absl::StatusOr<std::vector<v1::Rollout>> page = store.ListRollouts(all);
    if (!page.ok() || page->empty()) break;
    for (const v1::Rollout& r : *page) {
      if (r.status().phase() == v1::PHASE_PROGRESSING) {
        ++active;
      } else {
        std::fprintf(stderr, "%s: %s: %s\n", r.name().c_str(),
                     v1::Phase_Name(r.status().phase()).c_str(), r.status().reason().c_str());
      }
    }
    after = page->back().name();
  }
  std::printf(
      "| %s | %d (%zu progressing) | %.2f | %.1f %% | %.1f | %zu | %.1f | %.1f | %.0f | %.0f |\n",
      scenario.name, rollouts, active, cpu_per_minute, 100 * cpu_per_minute / 60, wall_per_minute,
      pass_ms.size() / static_cast<size_t>(minutes), at(0.5), at(0.99),
      static_cast<double>(store.transaction_count() - transactions) / minutes, PeakRssMiB());
  std::fflush(stdout);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

int Main(int argc, char** argv) {
  const int rollouts = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int minutes = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string base = argc > 3 ? argv[3] : "/tmp";
  if (rollouts < 1 || minutes < 1) {
    std::fprintf(stderr, "usage: engine_scale_benchmark [rollouts] [minutes] [data dir]\n");
    return 2;
  }
  std::printf(
      "| ticks | rollouts | CPU s per simulated min | core share at real time | wall s per "
      "simulated min | passes per min | RunDue p50 (ms) | RunDue p99 (ms) | transactions "
      "per min | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  for (const Scenario& scenario : {
           Scenario{"aligned (all at once)", false, absl::ZeroDuration()},
           Scenario{"spread, pass_spacing 0", true, absl::ZeroDuration()},
           Scenario{"spread, pass_spacing 250 ms", true, absl::Milliseconds(250)},
           Scenario{"spread, pass_spacing 1 s", true, absl::Seconds(1)},
       }) {
    const pid_t child = fork();
    if (child == 0) {
      RunScenario(scenario, rollouts, minutes, base);
      std::exit(0);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "scenario \"%s\" failed\n", scenario.name);
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace kanarya

int main(int argc, char** argv) { return kanarya::Main(argc, argv); }
