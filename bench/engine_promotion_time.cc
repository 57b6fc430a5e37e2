// How long a good canary takes to be promoted: the engine runs
// examples/rollout.yaml on a virtual clock against scripted Prometheus and
// Loki answers for a canary exactly like its baseline (0.5 % errors, the same
// latency and log error rate), at several traffic rates. The gate at 50 % is
// approved the moment it waits. Prints a Markdown table.
//   engine_promotion_time [runs per rate]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "daemon/engine/proto_time.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/virtual_clock.h"
#include "daemon/spec/rollout_document.h"
#include "daemon/store/memory_state_store.h"
#include "daemon/testing/fake_metric_provider.h"
#include "daemon/testing/fake_traffic_router.h"

namespace kanarya {
namespace {

constexpr double kErrorRate = 0.005;
constexpr double kErrorLogRate = 0.001;

// Answers for one run: requests split by the live weights, every side alike.
testing::Responder Traffic(testing::FakeMesh& mesh, double requests_per_second, uint32_t seed) {
  return [&mesh, requests_per_second,
          seed](const metrics::Query& q) -> absl::StatusOr<metrics::QueryResult> {
    const bool canary = absl::StrContains(q.expression, "api-gateway-v42");
    const int weight = mesh.Split("api-gateway").canary_weight;
    const double share = (canary ? weight : 100 - weight) / 100.0;
    const double mean = requests_per_second * 30 * share;  // the example's 30 s ticks
    const bool logs = absl::StrContains(q.expression, "count_over_time");
    const bool latency = absl::StrContains(q.expression, "histogram_quantile");
    std::seed_seq seeds{static_cast<int64_t>(absl::ToUnixSeconds(q.end)), int64_t{canary},
                        int64_t{seed}, int64_t{logs} + 2 * int64_t{latency}};
    std::mt19937_64 random(seeds);
    if (latency) {
      if (mean < 1) return testing::VectorResult({}, q.end);  // no requests, no quantile
      return testing::VectorResult({std::normal_distribution<double>(100, 3)(random)}, q.end);
    }
    const double lines = logs ? 2 * mean : mean;
    const int64_t total = std::poisson_distribution<int64_t>(std::max(lines, 1e-9))(random);
    const int64_t events =
        std::binomial_distribution<int64_t>(total, logs ? kErrorLogRate : kErrorRate)(random);
    const bool wants_events = logs ? absl::StrContains(q.expression, "|= \"error\"")
                                   : absl::StrContains(q.expression, "response_code");
    return testing::VectorResult({static_cast<double>(wants_events ? events : total)}, q.end);
  };
}

struct Run {
  v1::Phase phase;
  absl::Duration took;
  std::string reason;
};

Run RunOnce(const v1::RolloutSpec& spec, double requests_per_second, uint32_t seed) {
  engine::VirtualClock clock;
  store::MemoryStateStore store;
  testing::FakeMesh mesh;
  testing::FakeMetricProvider provider(Traffic(mesh, requests_per_second, seed));
  engine::RolloutEngine engine(
      clock, store, [&provider](const std::string&) { return &provider; },
      [&mesh](const v1::Rollout& rollout) { return mesh.MakeRouter(rollout); });
  v1::CreateRolloutRequest create;
  *create.mutable_spec() = spec;
  const absl::Time start = clock.Now();
  const std::string name = engine.Create(create, {"ci", "pipeline"})->rollout().name();
  v1::GetRolloutRequest get;
  get.set_name(name);
  for (int i = 0; i < 100'000; ++i) {
    const absl::Time next = engine.RunDue();
    const v1::Rollout r = engine.Get(get)->rollout();
    if (r.status().phase() == v1::PHASE_AWAITING_APPROVAL) {
      v1::ApproveRolloutRequest approve;
      approve.set_name(name);
      (void)engine.Approve(approve, {"sre-oncall", "sre"});
      continue;
    }
    if (engine::IsFinal(r.status().phase()) || r.status().phase() == v1::PHASE_PAUSED ||
        next > start + absl::Hours(12)) {
      return {r.status().phase(), engine::FromProto(r.status().phase_time()) - start,
              r.status().reason()};
    }
    clock.AdvanceTo(next);
  }
  return {v1::PHASE_UNSPECIFIED, absl::InfiniteDuration(), "did not finish"};
}

std::string Minutes(absl::Duration d) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", absl::ToDoubleMinutes(d));
  return text;
}

int Main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 20;
  absl::StatusOr<v1::RolloutSpec> spec =
      spec::ReadRolloutDocument(KANARYA_SOURCE_DIR "/examples/rollout.yaml");
  if (!spec.ok()) {
    std::fprintf(stderr, "%s\n", spec.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "| requests/s (all) | runs | promoted | median to promotion (min) | p90 (min) | "
      "paused (inconclusive) | rolled back |\n|---|---|---|---|---|---|---|\n");
  for (const double rate : {1.0, 10.0, 100.0, 1000.0}) {
    std::vector<absl::Duration> promoted;
    int paused = 0, rolled_back = 0;
    std::map<std::string, int> stops;  // why the runs that did not promote stopped
    for (int seed = 0; seed < runs; ++seed) {
      const Run run = RunOnce(*spec, rate, static_cast<uint32_t>(seed));
      if (run.phase == v1::PHASE_SUCCEEDED) promoted.push_back(run.took);
      paused += run.phase == v1::PHASE_PAUSED;
      rolled_back += run.phase == v1::PHASE_ROLLED_BACK;
      if (run.phase != v1::PHASE_SUCCEEDED) ++stops[run.reason];
    }
    std::sort(promoted.begin(), promoted.end());
    const auto at = [&promoted](double q) {
      return promoted.empty() ? std::string("-")
                              : Minutes(promoted[static_cast<size_t>(q * (promoted.size() - 1))]);
    };
    std::printf("| %.0f | %d | %zu | %s | %s | %d | %d |\n", rate, runs, promoted.size(),
                at(0.5).c_str(), at(0.9).c_str(), paused, rolled_back);
    for (const auto& [reason, count] : stops) {
      std::fprintf(stderr, "%.0f/s: %d x %s\n", rate, count, reason.c_str());
    }
  }
  return 0;
}

}  // namespace
}  // namespace kanarya

int main(int argc, char** argv) { return kanarya::Main(argc, argv); }
