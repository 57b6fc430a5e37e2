// kanaryad: the Kanarya daemon. Serves RolloutService, JudgeService, health
// and reflection over gRPC (plaintext, TLS or mTLS; bearer tokens and client certificates mapped
// to roles per namespace), and GET /healthz, /readyz and /metrics over plain HTTP; drives every
// rollout from one runner thread; keeps its state in SQLite under --data_dir. Logs a line per
// event on stderr (--log_format); SIGUSR1 logs more (one level down), SIGUSR2 less. Exit codes:
// 0 after a graceful stop (SIGINT/SIGTERM), 1 when serving fails, 2 for a bad flag or
// configuration (the message names the field). `kanaryad restore` places a backup
// (restore_command.h).
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/backup_service.h"
#include "daemon/api/http_health.h"
#include "daemon/api/judge_service.h"
#include "daemon/api/rollout_service.h"
#include "daemon/api/server.h"
#include "daemon/api/server_security.h"
#include "daemon/config/daemon_config.h"
#include "daemon/config/rollout_routers.h"
#include "daemon/engine/clock.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/kube/event_recorder.h"
#include "daemon/kube/kube_client.h"
#include "daemon/notify/notifier.h"
#include "daemon/notify/notifier_collector.h"
#include "daemon/notify/webhook_gates.h"
#include "daemon/restore_command.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/telemetry/daemon_metrics.h"
#include "daemon/telemetry/grpc_metrics_interceptor.h"
#include "daemon/telemetry/instrumented_provider.h"
#include "daemon/telemetry/instrumented_store.h"
#include "daemon/telemetry/log.h"
#include "daemon/telemetry/readiness.h"
#include "daemon/telemetry/readiness_monitor.h"
#include "daemon/telemetry/rollout_collector.h"
#include "daemon/telemetry/telemetry_http.h"

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
// How often readiness is re-evaluated for the gRPC health service.
constexpr absl::Duration kReadinessInterval = absl::Seconds(5);

using kanarya::telemetry::Log;
using kanarya::telemetry::LogLevel;

struct Flags {
  std::string grpc_address = "127.0.0.1:7443";
  std::string http_address = "127.0.0.1:7444";
  std::string data_dir = "kanarya-data";
  std::string config;
  std::string log_format = "text";
  std::string log_level = "info";
  kanarya::api::SecurityFlags security;
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
      Log(LogLevel::kError, std::string(checked.message()));
      return kExitBadConfiguration;
    }
  }
  kanarya::config::DaemonConfig config;
  if (!flags.config.empty()) {
    absl::StatusOr<kanarya::config::DaemonConfig> loaded =
        kanarya::config::LoadDaemonConfig(flags.config);
    if (!loaded.ok()) {
      Log(LogLevel::kError, absl::StrCat("--config: ", loaded.status().message()));
      return kExitBadConfiguration;
    }
    config = *std::move(loaded);
  }
  kanarya::api::SecurityFlags security_flags = flags.security;
  security_flags.grpc_address = flags.grpc_address;
  absl::StatusOr<kanarya::api::ServerSecurity> security = kanarya::api::SetUpSecurity(
      security_flags, config.auth.bindings,
      [](kanarya::auth::TokenFileWatcher::Outcome outcome, const std::string& message) {
        Log(outcome == kanarya::auth::TokenFileWatcher::Outcome::kReloaded ? LogLevel::kInfo
                                                                           : LogLevel::kWarning,
            message);
      });
  if (!security.ok()) {
    Log(LogLevel::kError, std::string(security.status().message()));
    return kExitBadConfiguration;
  }
  absl::StatusOr<std::map<std::string, kanarya::metrics::MetricProviderPtr>> providers =
      kanarya::config::MakeProviders(config);
  if (!providers.ok()) {
    Log(LogLevel::kError, absl::StrCat("--config: ", providers.status().message()));
    return kExitBadConfiguration;
  }
  kanarya::telemetry::DaemonMetrics metrics;
  Cluster cluster;
  if (config.kubernetes.has_value()) {
    absl::StatusOr<kanarya::kube::KubeConfig> kube =
        kanarya::config::ResolveKubeConfig(*config.kubernetes);
    if (!kube.ok()) {
      Log(LogLevel::kError, absl::StrCat("--config: ", kube.status().message()));
      return kExitBadConfiguration;
    }
    cluster.client = std::make_unique<kanarya::kube::KubeClient>(
        *kube, kanarya::telemetry::KubernetesErrorCounter(metrics));
    cluster.events =
        std::make_unique<kanarya::kube::EventRecorder>(*cluster.client, "kanaryad", Hostname());
  }
  absl::StatusOr<kanarya::store::StateStorePtr> store =
      kanarya::store::SqliteStateStore::Open(flags.data_dir);
  if (!store.ok()) {
    Log(LogLevel::kError, absl::StrCat("--data_dir: ", store.status().message()));
    return kExitBadConfiguration;
  }

  *providers = kanarya::telemetry::Instrument(std::move(*providers), metrics);
  kanarya::telemetry::InstrumentedStore observed_store(**store, metrics);
  std::vector<kanarya::telemetry::ReadinessCheck> checks =
      kanarya::telemetry::ProviderChecks(*providers);
  checks.insert(checks.begin(), kanarya::telemetry::StoreCheck(**store));
  if (cluster.client) {
    checks.push_back({"kubernetes", [&cluster] {
                        return cluster.client->ServedVersions("networking.istio.io").status();
                      }});
  }
  const kanarya::telemetry::Readiness readiness(std::move(checks));
  // Outlive the engine (its commits queue notifications, its ticks poll hooks)
  // and the HTTP server (its /metrics reads the notifier's counters).
  kanarya::notify::Notifier notifier(config.notifications.receivers,
                                     {.queue_capacity = config.notifications.queue_capacity,
                                      .hook_secret = config.notifications.hook_secret});
  kanarya::telemetry::TelemetryHttp telemetry(
      {metrics.registry, std::make_shared<kanarya::telemetry::RolloutCollector>(**store),
       std::make_shared<kanarya::notify::NotifierCollector>(notifier)},
      readiness);

  kanarya::notify::WebhookGates hooks({.secret = config.notifications.hook_secret});
  for (const kanarya::notify::Receiver& receiver : config.notifications.receivers) {
    Log(LogLevel::kInfo, absl::StrCat("notifications to receiver ", receiver.name, " (",
                                      kanarya::notify::FormatName(receiver.format),
                                      receiver.secret.empty() ? ", unsigned)" : ", signed)"));
  }
  kanarya::engine::SystemClock clock;
  kanarya::engine::RolloutEngine engine(
      clock, observed_store,
      [&providers](const std::string& name) -> kanarya::metrics::MetricProvider* {
        auto it = providers->find(name);
        return it == providers->end() ? nullptr : it->second.get();
      },
      kanarya::config::RolloutRouters(cluster.client.get(), cluster.events.get(), config.defaults),
      {.pass_spacing = kPassSpacing,
       .spread_ticks = true,
       .max_queries_per_pass = kMaxQueriesPerPass,
       .on_tick_analysed = kanarya::telemetry::AnalysisDurationRecorder(metrics),
       .on_commit = [&notifier](const kanarya::v1::Rollout& before,
                                const kanarya::v1::Rollout& after,
                                absl::Time time) { notifier.OnCommit(before, after, time); },
       .allowed_hook_hosts = config.notifications.allowed_hook_hosts,
       .hooks = &hooks});
  const absl::Time recovery_start = absl::Now();
  if (absl::Status recovered = engine.Recover(); !recovered.ok()) {
    Log(LogLevel::kError, absl::StrCat("recovering the stored rollouts: ", recovered.message()));
    return kExitServingFailed;
  }
  Log(LogLevel::kInfo, absl::StrCat("recovered the unfinished rollouts in ",
                                    absl::FormatDuration(absl::Now() - recovery_start)));

  kanarya::api::RolloutService rollout_service(engine, *security->authorizer);
  kanarya::api::JudgeService judge_service(*security->authorizer);
  kanarya::api::BackupService backup_service(
      (std::filesystem::path(flags.data_dir) / kanarya::store::SqliteStateStore::kFileName)
          .string(),
      flags.data_dir, *security->authorizer,
      [](const std::string& principal, const kanarya::v1::BackupHeader& header) {
        Log(LogLevel::kInfo, absl::StrCat("backup taken by ", principal, ": ", header.size_bytes(),
                                          " bytes, sha256 ", header.sha256(), ", ",
                                          header.rollouts(), " rollout(s)"));
      });
  const std::vector<std::string> service_names = {kanarya::v1::RolloutService::service_full_name(),
                                                  kanarya::v1::JudgeService::service_full_name(),
                                                  kanarya::v1::BackupService::service_full_name(),
                                                  "grpc.health.v1.Health",
                                                  "grpc.reflection.v1alpha.ServerReflection"};
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(
      std::make_unique<kanarya::telemetry::GrpcMetricsInterceptorFactory>(service_names, metrics));
  absl::StatusOr<std::unique_ptr<kanarya::api::GrpcServer>> server =
      kanarya::api::GrpcServer::Start(
          flags.grpc_address,
          {{kanarya::v1::RolloutService::service_full_name(), &rollout_service},
           {kanarya::v1::JudgeService::service_full_name(), &judge_service},
           {kanarya::v1::BackupService::service_full_name(), &backup_service}},
          std::move(interceptors), security->tls);
  if (!server.ok()) {
    Log(LogLevel::kError, absl::StrCat("--", server.status().message()));
    return kExitBadConfiguration;
  }

  absl::StatusOr<std::unique_ptr<kanarya::api::HttpHealthEndpoint>> http =
      kanarya::api::HttpHealthEndpoint::Start(flags.http_address);
  if (!http.ok()) {
    Log(LogLevel::kError, absl::StrCat("--", http.status().message()));
    return kExitBadConfiguration;
  }
  telemetry.AddTo((*http)->context());
  // kanaryad has no leader election: the one process drives every rollout.
  metrics.leader.Set(1);
  auto monitor = std::make_unique<kanarya::telemetry::ReadinessMonitor>(
      readiness, kReadinessInterval,
      [&server](bool serving) { (*server)->health().SetServing(serving); });

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

  Log(LogLevel::kInfo, security->summary);
  for (const std::string& warning : security->warnings) Log(LogLevel::kWarning, warning);
  auto host = [](const std::string& address) { return address.substr(0, address.rfind(':')); };
  Log(LogLevel::kInfo,
      absl::StrCat("serving gRPC on ", host(flags.grpc_address), ":", (*server)->port(),
                   "; HTTP /healthz on ", host(flags.http_address), ":", (*http)->port(),
                   "; /readyz and /metrics beside it; data in ", flags.data_dir, "; ",
                   providers->size(), " metric provider(s); Kubernetes: ",
                   cluster.client ? "configured" : "none (rollouts fail their preflight)"));

  sigset_t signals;
  sigemptyset(&signals);
  for (int handled : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, handled);
  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && (signal == SIGUSR1 || signal == SIGUSR2)) {
    const int level =
        static_cast<int>(kanarya::telemetry::GetLogLevel()) + (signal == SIGUSR1 ? -1 : 1);
    kanarya::telemetry::SetLogLevel(static_cast<LogLevel>(
        std::clamp(level, static_cast<int>(LogLevel::kDebug), static_cast<int>(LogLevel::kError))));
    // Said at the new level, so that it shows.
    Log(kanarya::telemetry::GetLogLevel(),
        absl::StrCat("log level now ",
                     kanarya::telemetry::LogLevelName(kanarya::telemetry::GetLogLevel())));
  }
  Log(LogLevel::kInfo, absl::StrCat(signal == SIGINT ? "SIGINT" : "SIGTERM", ", stopping"));
  // Not ready from here on: no new calls; those in flight get the grace; the
  // runner finishes its pass (its commits) and stops; the store closes last.
  monitor.reset();
  telemetry.SetServing(false);
  (*http)->SetServing(false);
  (*server)->Shutdown(kShutdownGrace);
  stopping = true;
  runner.join();
  metrics.leader.Set(0);
  if (const kanarya::notify::NotifierStats sent = notifier.stats(); sent.queued > 0) {
    Log(LogLevel::kInfo, absl::StrCat("notifications: ", sent.delivered, " delivered, ",
                                      sent.failed, " failed, ", sent.dropped, " dropped"));
  }
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

int ParseAndServe(int argc, char** argv) {
  // Every thread started from here on inherits the mask: only sigwait in
  // Serve sees SIGINT, SIGTERM, SIGUSR1 and SIGUSR2.
  sigset_t signals;
  sigemptyset(&signals);
  for (int handled : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, handled);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CLI::App app{"kanaryad: the Kanarya canary rollout daemon"};
  Flags flags;
  app.add_option("--grpc_address", flags.grpc_address,
                 "Where the gRPC API listens, HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  app.add_option(
         "--http_address", flags.http_address,
         "Where GET /healthz, /readyz and /metrics answer, HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--data_dir", flags.data_dir, "Directory of the state database (created)")
      ->capture_default_str();
  app.add_option("--config", flags.config,
                 "YAML configuration: metric providers, Kubernetes, defaults, role bindings");
  app.add_option("--log_format", flags.log_format,
                 "text, or json: one object per line (time, level, message, rollout, namespace)")
      ->capture_default_str();
  app.add_option("--log_level", flags.log_level,
                 "debug, info, warning or error; SIGUSR1 logs more, SIGUSR2 less")
      ->capture_default_str();
  app.add_option("--token_file", flags.security.token_file,
                 "Bearer tokens, Kubernetes static token file format (token,user,uid,\"groups\"); "
                 "re-read when it changes");
  app.add_option("--tls_cert", flags.security.tls_cert,
                 "PEM certificate chain: serve gRPC over TLS (with --tls_key)");
  app.add_option("--tls_key", flags.security.tls_key, "PEM private key of --tls_cert");
  app.add_option("--client_ca", flags.security.client_ca,
                 "PEM CA bundle: accept client certificates it signed (mTLS; CN is the "
                 "principal, each O a group)");
  app.add_flag("--insecure_listen_any", flags.security.insecure_listen_any,
               "Without authentication, serve a non-loopback --grpc_address anyway (every caller "
               "acts anonymously with every role)");
  kanarya::RestoreFlags restore_flags;
  const CLI::App* restore = kanarya::AddRestoreCommand(app, restore_flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitBadConfiguration;
  }
  if (restore->parsed()) return kanarya::RunRestore(restore_flags);
  absl::StatusOr<kanarya::telemetry::LogFormat> format =
      kanarya::telemetry::ParseLogFormat("--log_format", flags.log_format);
  absl::StatusOr<LogLevel> level =
      kanarya::telemetry::ParseLogLevel("--log_level", flags.log_level);
  for (const absl::Status& parsed : {format.status(), level.status()}) {
    if (!parsed.ok()) {
      Log(LogLevel::kError, std::string(parsed.message()));
      return kExitBadConfiguration;
    }
  }
  kanarya::telemetry::SetLogFormat(*format);
  kanarya::telemetry::SetLogLevel(*level);
  return Serve(flags);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return ParseAndServe(argc, argv);
  } catch (...) {  // a library's bug; never data: every parser's exceptions are contained
    Log(LogLevel::kError, "stopped by an unexpected exception");
    return kExitServingFailed;
  }
}
