// The end-to-end rollback benchmark: in the lab's world (the mesh, a real
// Prometheus scraping every second, the real kanaryad), a canary at its 10 %
// step whose 5xx rate goes from 0.5 % to 5 %. For each traffic rate and each
// spec — Kanarya's (bench/specs/rollback-kanarya.yaml: 2 s ticks, the
// sequential comparison with the baseline) and a Flagger-equivalent one run
// by the same engine (bench/specs/rollback-flagger.yaml: an absolute 1 %
// guardrail checked every 60 s, rolled back at the 5th failure) — it
// measures from the fault's onset to the VirtualService back at 100 %
// stable, split into
//   detection: from the onset to the newest scrape the deciding tick read
//              (the faulty traffic the analysis needed, ticks' alignment
//              included);
//   plumbing:  from that scrape to 100/0: the scrape's age at the tick's
//              end, the tick's evaluation (lateness, queries, analysis,
//              commit), and the patch of the VirtualService;
// and the requests the bad canary served after the onset (and how many
// failed). Every rollout runs at once in one world, one service each.
//
//   e2e_rollback_benchmark [--flagger] RATE...   (requests per second)
// Figures: bench/README.md.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/spec/rollout_document.h"
#include "tests/e2e/lab_world.h"

namespace kanarya::e2e {
namespace {

constexpr double kBaseErrorRate = 0.005;
constexpr double kFaultErrorRate = 0.05;
// Healthy traffic at 10 % before the fault, so the analysis has its min_ticks.
constexpr absl::Duration kHealthyAtStep = absl::Seconds(10);
constexpr absl::Duration kBudget = absl::Minutes(12);

struct Run {
  std::string spec;  // "kanarya" or "flagger"
  int rate = 0;
  std::string service;  // SPEC-RATE
  std::string rollout;
  std::optional<absl::Time> at_step, fault, back;
  int64_t served_at_fault = 0, errors_at_fault = 0;
  int64_t served_after = 0, errors_after = 0;
  v1::RolloutStatus final_status;
};

std::string FileText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(t.seconds() * 1'000'000'000 + t.nanos());
}

std::string Seconds(absl::Duration d) { return absl::StrFormat("%.1f", absl::ToDoubleSeconds(d)); }

// The time of the newest scrape of the canary's counters Prometheus held at
// `at`.
std::optional<absl::Time> NewestScrape(LabWorld& world, const std::string& service, absl::Time at) {
  httplib::Client client("127.0.0.1", world.world().prometheus().port());
  client.set_read_timeout(5);
  const std::string query = absl::StrCat(
      "max(timestamp(istio_requests_total{reporter=\"destination\",destination_workload=\"",
      service, "-v2\"}))");
  const httplib::Result result = client.Get(
      "/api/v1/query",
      {{"query", query}, {"time", absl::StrFormat("%.3f", absl::ToUnixMillis(at) / 1e3)}},
      httplib::Headers{});
  if (!result || result->status != 200) return std::nullopt;
  const nlohmann::json body = nlohmann::json::parse(result->body, nullptr, false);
  double seconds = 0;
  const nlohmann::json::json_pointer newest("/data/result/0/value/1");
  if (body.is_discarded() || !body.contains(newest) || !body.at(newest).is_string() ||
      !absl::SimpleAtod(body.at(newest).get<std::string>(), &seconds)) {
    return std::nullopt;
  }
  return absl::FromUnixMillis(static_cast<int64_t>(seconds * 1000));
}

std::pair<int64_t, int64_t> CanaryTraffic(LabWorld& world, const std::string& service) {
  for (const lab::VersionState& v : world.lab().simulation().Versions()) {
    if (v.service == service && v.version == "v2") return {v.requests, v.errors};
  }
  return {-1, -1};
}

int Main(int argc, char** argv) {
  bool flagger = false;
  std::vector<int> rates;
  for (int i = 1; i < argc; ++i) {
    int rate = 0;
    if (std::string(argv[i]) == "--flagger") {
      flagger = true;
    } else if (absl::SimpleAtoi(argv[i], &rate) && rate > 0) {
      rates.push_back(rate);
    } else {
      std::cerr << "usage: e2e_rollback_benchmark [--flagger] RATE... (requests per second)\n";
      return 2;
    }
  }
  if (rates.empty()) rates = {100, 400, 1600};

  std::vector<Run> runs;
  for (const std::string spec : {"kanarya", "flagger"}) {
    if (spec == "flagger" && !flagger) continue;
    for (int rate : rates) {
      runs.push_back({.spec = spec, .rate = rate, .service = absl::StrCat(spec, "-", rate)});
    }
  }
  std::string directory = std::filesystem::temp_directory_path() / "kanarya-bench-XXXXXX";
  if (mkdtemp(directory.data()) == nullptr) return 1;
  {
    std::ofstream services(directory + "/services.yaml");
    services << "services:\n";
    for (const Run& r : runs) {
      services << "  - {name: " << r.service << ", requests_per_second: " << r.rate
               << ", subsets: {stable: v1, canary: v2}, versions: ["
               << "{version: v1, error_rate: " << kBaseErrorRate
               << ", latency_median_ms: 30, latency_sigma: 0.35}, {version: v2, error_rate: "
               << kBaseErrorRate << ", latency_median_ms: 30, latency_sigma: 0.35}]}\n";
    }
  }
  absl::StatusOr<std::unique_ptr<LabWorld>> world =
      LabWorld::Start(KANARYA_KANARYAD_BINARY, directory + "/services.yaml");
  std::filesystem::remove_all(directory);
  if (!world.ok()) {
    std::cerr << world.status() << "\n";
    return 1;
  }
  for (Run& r : runs) {
    absl::StatusOr<v1::RolloutSpec> spec = spec::ParseRolloutDocument(absl::StrReplaceAll(
        FileText(absl::StrCat(KANARYA_SOURCE_DIR, "/bench/specs/rollback-", r.spec, ".yaml")),
        {{"SERVICE", r.service}}));
    absl::StatusOr<std::string> name =
        spec.ok() ? (*world)->world().Create(*spec, "benchmark") : spec.status();
    if (!name.ok()) {
      std::cerr << r.service << ": " << name.status() << "\n";
      return 1;
    }
    r.rollout = *name;
  }

  const absl::Time give_up = absl::Now() + kBudget;
  size_t finished = 0;
  while (finished < runs.size() && absl::Now() < give_up) {
    finished = 0;
    for (Run& r : runs) {
      if (r.back && Terminal(r.final_status.phase())) {
        ++finished;
        continue;
      }
      const int live = (*world)->LiveRoutes(r.service).canary_weight;
      const absl::Time now = absl::Now();
      if (!r.at_step && live == 10) r.at_step = now;
      if (r.at_step && !r.fault && now - *r.at_step >= kHealthyAtStep) {
        if (!(*world)
                 ->lab()
                 .simulation()
                 .SetFault({.service = r.service, .version = "v2", .error_rate = kFaultErrorRate})
                 .ok()) {
          return 1;
        }
        r.fault = absl::Now();
        std::tie(r.served_at_fault, r.errors_at_fault) = CanaryTraffic(**world, r.service);
      }
      if (r.fault && !r.back && live == 0) {
        r.back = now;
        const auto [served, errors] = CanaryTraffic(**world, r.service);
        r.served_after = served - r.served_at_fault;
        r.errors_after = errors - r.errors_at_fault;
      }
      if (r.back) {
        absl::StatusOr<v1::GetRolloutResponse> got = (*world)->world().Get(r.rollout);
        if (got.ok()) r.final_status = got->rollout().status();
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }

  std::cout << "| spec | requests/s | fault to 100/0 s | detection s | plumbing s (scrape age + "
               "tick evaluation + patch) | bad canary's requests after the fault (failed) |\n"
               "|---|---:|---:|---:|---|---:|\n";
  int status = 0;
  for (const Run& r : runs) {
    if (!r.back || r.final_status.phase() != v1::PHASE_ROLLED_BACK) {
      std::cout << "| " << r.spec << " | " << r.rate
                << " | not rolled back: " << v1::Phase_Name(r.final_status.phase()) << " "
                << r.final_status.reason() << " | | | |\n";
      status = 1;
      continue;
    }
    const absl::Time window_end = FromProto(r.final_status.last_tick_time());
    const absl::Time evaluated = FromProto(r.final_status.last_tick_evaluated_time());
    const std::optional<absl::Time> scrape = NewestScrape(**world, r.service, window_end);
    if (window_end < *r.fault || !scrape) {
      std::cout << "| " << r.spec << " | " << r.rate << " | "
                << (scrape ? "rolled back before the fault (a false rollback)"
                           : "no scrape of the canary found")
                << ": " << r.final_status.reason() << " | | | |\n";
      status = 1;
      continue;
    }
    const absl::Duration plumbing = *r.back - *scrape;
    std::cout << "| " << r.spec << " | " << r.rate << " | " << Seconds(*r.back - *r.fault) << " | "
              << Seconds(*scrape - *r.fault) << " | " << Seconds(plumbing) << " ("
              << Seconds(window_end - *scrape) << " + " << Seconds(evaluated - window_end) << " + "
              << Seconds(*r.back - evaluated) << ") | " << r.served_after << " (" << r.errors_after
              << ") |\n";
  }
  return status;
}

}  // namespace
}  // namespace kanarya::e2e

int main(int argc, char** argv) {
  try {
    return kanarya::e2e::Main(argc, argv);
  } catch (const std::exception& e) {  // the filesystem's, or a JSON type error
    std::cerr << "e2e_rollback_benchmark: " << e.what() << "\n";
    return 1;
  }
}
