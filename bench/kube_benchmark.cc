// The Kubernetes side measured against the lab's API emulator on loopback:
//   1. what a shift costs (a GET of the VirtualService is the floor: a shift
//      is a GET plus a JSON patch);
//   2. shifts under concurrent writers relabelling the same object: how many
//      go through within the 5 attempts, and whether any edit is lost;
//   3. how long leadership takes to move after a clean stop, a crash and a
//      partition, with client-go's timings scaled to a lease of L seconds.
//
// Usage: kube_benchmark [shifts, default 200] [lease seconds, default 15];
// prints Markdown.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "daemon/kube/leader_elector.h"
#include "daemon/mesh/istio_router.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::bench {
namespace {

using nlohmann::json;

const kube::ObjectRef kVs{"networking.istio.io", "v1", "virtualservices", "shop", "reviews"};
const kube::ObjectRef kDr{"networking.istio.io", "v1", "destinationrules", "shop", "reviews"};

mesh::IstioRouteConfig Route() {
  return {.namespace_name = "shop",
          .virtual_service = "reviews",
          .host = "reviews",
          .stable_subset = "stable",
          .canary_subset = "canary",
          .destination_rule = "reviews",
          .api_version = "v1"};
}

void CreateObjects(kube::KubeClient& client) {
  client
      .Create(kVs, json::parse(R"({"metadata": {"name": "reviews"}, "spec": {"hosts": ["reviews"],
        "http": [{"route": [{"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
                            {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}]}]}})"))
      .IgnoreError();
  client
      .Create(kDr, json::parse(R"({"metadata": {"name": "reviews"}, "spec": {"host": "reviews",
        "subsets": [{"name": "stable"}, {"name": "canary"}]}})"))
      .IgnoreError();
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

double Millis(absl::Time start) { return absl::ToDoubleMilliseconds(absl::Now() - start); }

void ShiftCost(int shifts) {
  lab::KubeApiEmulator api;
  api.AddToken("kanarya", true);
  kube::KubeClient client(lab::KubeTokenConfig(api.url(), "kanarya"));
  CreateObjects(client);
  mesh::IstioRouter router(client, Route());
  std::vector<double> get_ms, shift_ms;
  for (int i = 0; i < shifts; ++i) {
    absl::Time start = absl::Now();
    if (!client.Get(kVs).ok()) std::abort();
    get_ms.push_back(Millis(start));
    start = absl::Now();
    if (!router.SetCanaryWeight(i % 2 == 0 ? 10 : 20).ok()) std::abort();
    shift_ms.push_back(Millis(start));
  }
  std::printf("## Cost of a shift (%d each)\n\n", shifts);
  std::printf("| operation | median | p99 | median / GET |\n|---|---|---|---|\n");
  std::printf("| GET VirtualService (floor) | %.2f ms | %.2f ms | 1x |\n", Quantile(get_ms, 0.5),
              Quantile(get_ms, 0.99));
  std::printf("| SetCanaryWeight (GET + JSON patch) | %.2f ms | %.2f ms | %.1fx |\n\n",
              Quantile(shift_ms, 0.5), Quantile(shift_ms, 0.99),
              Quantile(shift_ms, 0.5) / Quantile(get_ms, 0.5));
}

// Writers of one kind: relabelling the object (elsewhere), or retuning the
// retries of the very route being shifted (the same route).
enum class StormKind { kLabels, kSameRoute };

void ConflictStorm(int shifts) {
  std::printf("## Shifts under concurrent writers (%d shifts each)\n\n", shifts);
  std::printf(
      "| writers edit | writers | writer edits | shifts through | shifts Aborted | median shift | "
      "edits lost |\n|---|---|---|---|---|---|---|\n");
  for (StormKind kind : {StormKind::kLabels, StormKind::kSameRoute}) {
    for (int writers : {0, 1, 4, 16}) {
      if (kind == StormKind::kSameRoute && writers == 0) continue;
      lab::KubeApiEmulator api;
      api.AddToken("kanarya", true);
      kube::KubeClient client(lab::KubeTokenConfig(api.url(), "kanarya"));
      CreateObjects(client);
      std::atomic<bool> stop{false};
      std::vector<std::atomic<int>> last_written(writers);
      for (std::atomic<int>& l : last_written) l = -1;
      std::atomic<int> edits{0};
      std::vector<std::thread> threads;
      threads.reserve(writers);
      for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
          kube::KubeClient writer(lab::KubeTokenConfig(api.url(), "kanarya"));
          for (int i = 0; i < 100000 && !stop; ++i) {
            if (kind == StormKind::kLabels) {
              const json patch = {
                  {"metadata", {{"labels", {{"writer-" + std::to_string(w), std::to_string(i)}}}}}};
              if (writer.MergePatch(kVs, patch).ok()) {
                last_written[w] = i;
                ++edits;
              }
            } else {
              const int value = i * writers + w;  // distinct across writers
              const json patch = json::array({{{"op", "add"},
                                               {"path", "/spec/http/0/retries"},
                                               {"value", {{"attempts", value}}}}});
              if (writer.JsonPatch(kVs, patch).ok()) {
                last_written[w] = value;
                ++edits;
              }
            }
          }
        });
      }
      // The storm is on before the first shift.
      for (int i = 0; i < 5000; ++i) {
        if (std::all_of(last_written.begin(), last_written.end(),
                        [](const std::atomic<int>& l) { return l >= 0; })) {
          break;
        }
        absl::SleepFor(absl::Milliseconds(1));
      }
      mesh::IstioRouter router(client, Route());
      int through = 0, aborted = 0;
      std::vector<double> shift_ms;
      for (int i = 0; i < shifts; ++i) {
        const absl::Time start = absl::Now();
        const auto split = router.SetCanaryWeight(i % 2 == 0 ? 10 : 20);
        shift_ms.push_back(Millis(start));
        if (split.ok()) {
          ++through;
        } else if (split.status().code() == absl::StatusCode::kAborted) {
          ++aborted;
        } else {
          std::abort();
        }
      }
      stop = true;
      for (std::thread& t : threads) t.join();
      const json live = api.Get("networking.istio.io", "virtualservices", "shop", "reviews");
      // A lost edit: a writer's last relabel missing, or a retune live that
      // is no writer's last one.
      int lost = 0;
      if (kind == StormKind::kLabels) {
        const json labels = live["metadata"].value("labels", json::object());
        for (int w = 0; w < writers; ++w) {
          const std::string key = "writer-" + std::to_string(w);
          if (labels.value(key, "") != std::to_string(last_written[w].load())) ++lost;
        }
      } else {
        const int live_value = live["spec"]["http"][0]["retries"].value("attempts", -1);
        lost = std::none_of(last_written.begin(), last_written.end(),
                            [&](const std::atomic<int>& l) { return l == live_value; });
      }
      std::printf("| %s | %d | %d | %d | %d | %.2f ms | %d |\n",
                  kind == StormKind::kLabels ? "labels" : "the same route", writers, edits.load(),
                  through, aborted, Quantile(shift_ms, 0.5), lost);
    }
  }
  std::printf("\n");
}

struct Replica {
  std::unique_ptr<kube::LeaderElector> elector;
  std::atomic<int64_t> started_ns{0};
};

std::unique_ptr<Replica> MakeReplica(const std::string& url, const std::string& identity,
                                     absl::Duration lease, bool release_on_stop) {
  auto replica = std::make_unique<Replica>();
  Replica* r = replica.get();
  auto elector = kube::LeaderElector::Create(
      lab::KubeTokenConfig(url, identity),
      {.namespace_name = "kanarya-system",
       .lease_name = "kanaryad",
       .identity = identity,
       .lease_duration = lease,
       .renew_deadline = lease * 2 / 3,
       .retry_period = lease * 2 / 15,
       .release_on_stop = release_on_stop},
      {.started_leading = [r] { r->started_ns = absl::ToUnixNanos(absl::Now()); }});
  if (!elector.ok()) std::abort();
  replica->elector = std::move(*elector);
  replica->elector->Start();
  return replica;
}

void WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 60000 && !done(); ++i) absl::SleepFor(absl::Milliseconds(2));
}

void Failover(absl::Duration lease) {
  std::printf("## Leadership moving (lease %s, renew deadline %s, retry %s)\n\n",
              absl::FormatDuration(lease).c_str(), absl::FormatDuration(lease * 2 / 3).c_str(),
              absl::FormatDuration(lease * 2 / 15).c_str());
  std::printf(
      "| what happens to the leader | old leader stops acting after | new leader after |\n"
      "|---|---|---|\n");
  for (const char* scenario : {"clean stop", "crash", "partition"}) {
    lab::KubeApiEmulator api;
    api.AddToken("a", true);
    api.AddToken("b", true);
    const bool clean = std::string(scenario) == "clean stop";
    auto a = MakeReplica(api.url(), "a", lease, clean);
    WaitFor([&] { return a->elector->IsLeader(); });
    auto b = MakeReplica(api.url(), "b", lease, true);
    WaitFor([&] { return b->elector->ObservedHolder() == "a"; });
    absl::SleepFor(lease / 3);
    const absl::Time event = absl::Now();
    std::string stopped = "at once";
    if (std::string(scenario) == "partition") {
      api.CutOff("a", true);
      WaitFor([&] { return !a->elector->IsLeader(); });
      stopped = std::to_string(static_cast<int>(Millis(event))) + " ms";
    } else {
      a->elector->Stop();
    }
    WaitFor([&] { return b->elector->IsLeader(); });
    const double new_leader_ms =
        absl::ToDoubleMilliseconds(absl::FromUnixNanos(b->started_ns) - event);
    std::printf("| %s | %s | %.0f ms |\n", scenario, stopped.c_str(), new_leader_ms);
    api.CutOff("a", false);
  }
  std::printf("\n");
}

}  // namespace
}  // namespace kanarya::bench

int main(int argc, char** argv) {
  const int shifts = argc > 1 ? std::atoi(argv[1]) : 200;
  const int lease_seconds = argc > 2 ? std::atoi(argv[2]) : 15;
  if (shifts < 1 || lease_seconds < 2) {
    std::fprintf(stderr, "usage: kube_benchmark [shifts >= 1] [lease seconds >= 2]\n");
    return 2;
  }
  try {
    kanarya::bench::ShiftCost(shifts);
    kanarya::bench::ConflictStorm(shifts / 4 + 1);
    kanarya::bench::Failover(absl::Seconds(lease_seconds));
  } catch (const std::exception& e) {  // an unexpected answer from the emulator
    std::fprintf(stderr, "kube_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
