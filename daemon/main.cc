// kanaryad: the Kanarya daemon. Serves RolloutService, JudgeService, health
// and reflection over gRPC, and GET /healthz over plain HTTP; drives every rollout from one runner
// thread; keeps its state in SQLite under --data_dir. Exit codes: 0 after a graceful stop
// (SIGINT/SIGTERM), 1 when serving fails, 2 for a bad flag or configuration (the message names the
// field).
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/http_health.h"
#include "daemon/api/judge_service.h"
#include "daemon/api/rollout_service.h"
#include "daemon/api/server.h"
#include "daemon/config/daemon_config.h"
#include "daemon/config/rollout_routers.h"
#include "daemon/engine/clock.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/kube/event_recorder.h"
#include "daemon/kube/kube_client.h"
#include "daemon/store/sqlite_state_store.h"

namespace {

constexpr int kExitServingFailed = 1;
constexpr int kExitBadConfiguration = 2;
// The runner re-checks for shutdown at least this often.
constexpr absl::Duration kRunnerWakeup = absl::Seconds(1);
// Ticks falling due within this of each other share one engine pass and its
// batched commits (one sync to disk), at the cost of running up to this late;
// their windows do not move (bench/README.md, engine_scale_benchmark).
constexpr absl::Duration kPassSpacing = absl::Milliseconds(250);
// The most queries one engine pass sends: about a second of a Prometheus on
// two cores, far inside a query's 30 s timeout, which counts its wait for a
// connection. A burst (a thousand rollouts created together, or all overdue
// after a restart) then goes out in passes of this size, the oldest ticks
// first, instead of timing out (bench/README.md, kanaryad_live_benchmark).
constexpr int kMaxQueriesPerPass = 1000;
// How often the runner hands memory freed in glibc's arenas back to the
// system: a ListRollouts of a thousand rollouts or a pass of a thousand ticks
// frees megabytes that malloc would otherwise keep (with 1000 rollouts in
// kanaryad_live_benchmark: 157 MB held, 64 MB in use; one trim took the
// resident set from 182 to 114 MiB).
constexpr absl::Duration kTrimInterval = absl::Seconds(10);
// Calls in flight (watches included) get this long to finish on shutdown.
constexpr absl::Duration kShutdownGrace = absl::Seconds(5);

struct Flags {
  std::string grpc_address = "127.0.0.1:7443";
  std::string http_address = "127.0.0.1:7444";
  std::string data_dir = "kanarya-data";
  std::string config;
};

// HOST:PORT with a port in 0..65535 (0: any free port); [::1]:PORT for IPv6.
absl::Status CheckAddress(const std::string& flag, const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be HOST:PORT, got \"", address, "\""));
  }
  return absl::OkStatus();
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "kanaryad";
  return name;
}

// What the daemon talks to, kept alive for its lifetime.
struct Cluster {
  std::unique_ptr<kanarya::kube::KubeClient> client;
  std::unique_ptr<kanarya::kube::EventRecorder> events;
};

int Serve(const Flags& flags) {
  for (const auto& [flag, address] :
       {std::pair{"grpc_address", &flags.grpc_address}, {"http_address", &flags.http_address}}) {
    if (absl::Status checked = CheckAddress(flag, *address); !checked.ok()) {
      std::cerr << "kanaryad: " << checked.message() << "\n";
      return kExitBadConfiguration;
    }
  }
  kanarya::config::DaemonConfig config;
  if (!flags.config.empty()) {
    absl::StatusOr<kanarya::config::DaemonConfig> loaded =
        kanarya::config::LoadDaemonConfig(flags.config);
    if (!loaded.ok()) {
      std::cerr << "kanaryad: --config: " << loaded.status().message() << "\n";
      return kExitBadConfiguration;
    }
    config = *std::move(loaded);
  }
  absl::StatusOr<std::map<std::string, kanarya::metrics::MetricProviderPtr>> providers =
      kanarya::config::MakeProviders(config);
  if (!providers.ok()) {
    std::cerr << "kanaryad: --config: " << providers.status().message() << "\n";
    return kExitBadConfiguration;
  }
  Cluster cluster;
  if (config.kubernetes.has_value()) {
    absl::StatusOr<kanarya::kube::KubeConfig> kube =
        kanarya::config::ResolveKubeConfig(*config.kubernetes);
    if (!kube.ok()) {
      std::cerr << "kanaryad: --config: " << kube.status().message() << "\n";
      return kExitBadConfiguration;
    }
    cluster.client = std::make_unique<kanarya::kube::KubeClient>(*kube);
    cluster.events =
        std::make_unique<kanarya::kube::EventRecorder>(*cluster.client, "kanaryad", Hostname());
  }
  absl::StatusOr<kanarya::store::StateStorePtr> store =
      kanarya::store::SqliteStateStore::Open(flags.data_dir);
  if (!store.ok()) {
    std::cerr << "kanaryad: --data_dir: " << store.status().message() << "\n";
    return kExitBadConfiguration;
  }

  kanarya::engine::SystemClock clock;
  kanarya::engine::RolloutEngine engine(
      clock, **store,
      [&providers](const std::string& name) -> kanarya::metrics::MetricProvider* {
        auto it = providers->find(name);
        return it == providers->end() ? nullptr : it->second.get();
      },
      kanarya::config::RolloutRouters(cluster.client.get(), cluster.events.get(), config.defaults),
      {.pass_spacing = kPassSpacing,
       .spread_ticks = true,
       .max_queries_per_pass = kMaxQueriesPerPass});
  const absl::Time recovery_start = absl::Now();
  if (absl::Status recovered = engine.Recover(); !recovered.ok()) {
    std::cerr << "kanaryad: recovering the stored rollouts: " << recovered.message() << "\n";
    return kExitServingFailed;
  }
  std::cerr << "kanaryad: recovered the unfinished rollouts in "
            << absl::FormatDuration(absl::Now() - recovery_start) << std::endl;

  kanarya::api::RolloutService rollout_service(engine);
  kanarya::api::JudgeService judge_service;
  absl::StatusOr<std::unique_ptr<kanarya::api::GrpcServer>> server =
      kanarya::api::GrpcServer::Start(
          flags.grpc_address, {{kanarya::v1::RolloutService::service_full_name(), &rollout_service},
                               {kanarya::v1::JudgeService::service_full_name(), &judge_service}});
  if (!server.ok()) {
    std::cerr << "kanaryad: --" << server.status().message() << "\n";
    return kExitBadConfiguration;
  }

  absl::StatusOr<std::unique_ptr<kanarya::api::HttpHealthEndpoint>> http =
      kanarya::api::HttpHealthEndpoint::Start(flags.http_address);
  if (!http.ok()) {
    std::cerr << "kanaryad: --" << http.status().message() << "\n";
    return kExitBadConfiguration;
  }

  std::atomic<bool> stopping = false;
  std::thread runner([&] {
    absl::Time trimmed = absl::Now();
    while (!stopping.load()) {
      const absl::Time next = engine.RunDue();
      if (absl::Now() - trimmed >= kTrimInterval) {
        malloc_trim(0);
        trimmed = absl::Now();
      }
      engine.WaitForWork(std::min(next, absl::Now() + kRunnerWakeup));
    }
  });

  auto host = [](const std::string& address) { return address.substr(0, address.rfind(':')); };
  std::cerr << "kanaryad: serving gRPC on " << host(flags.grpc_address) << ":" << (*server)->port()
            << "; HTTP /healthz on " << host(flags.http_address) << ":" << (*http)->port()
            << "; data in " << flags.data_dir << "; " << providers->size()
            << " metric provider(s); Kubernetes: "
            << (cluster.client ? "configured" : "none (rollouts fail their preflight)")
            << std::endl;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal = 0;
  sigwait(&signals, &signal);
  std::cerr << "kanaryad: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
            << std::endl;
  (*http)->SetServing(false);
  (*server)->Shutdown(kShutdownGrace);
  stopping = true;
  runner.join();
  return 0;
}

int ParseAndServe(int argc, char** argv) {
  // Every thread started from here on inherits the mask: only sigwait in
  // Serve sees SIGINT and SIGTERM.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{"kanaryad: the Kanarya canary rollout daemon"};
  Flags flags;
  app.add_option("--grpc_address", flags.grpc_address,
                 "Where the gRPC API listens, HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--http_address", flags.http_address,
                 "Where GET /healthz answers, HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--data_dir", flags.data_dir, "Directory of the state database (created)")
      ->capture_default_str();
  app.add_option("--config", flags.config,
                 "YAML configuration: metric providers, Kubernetes, defaults");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitBadConfiguration;
  }
  return Serve(flags);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return ParseAndServe(argc, argv);
  } catch (...) {  // a library's bug; never data: every parser's exceptions are contained
    std::fputs("kanaryad: stopped by an unexpected exception\n", stderr);
    return kExitServingFailed;
  }
}
