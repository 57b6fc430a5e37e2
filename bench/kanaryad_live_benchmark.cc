// One real kanaryad process driving many concurrent rollouts (bench/live_fleet.h:
// five metrics each, 10 s ticks) against a real Prometheus that scrapes an
// exporter of every workload's telemetry every 2 s, and the Kubernetes API
// emulator holding a VirtualService and a DestinationRule per rollout. After a
// warm-up it measures, over a steady window:
//   - the daemon's CPU share (utime + stime from /proc/PID/stat over wall time)
//     and memory (VmRSS at the end, VmHWM);
//   - tick lag: for every tick due in the window, how late the daemon
//     evaluated it (status.last_tick_evaluated_time - status.last_tick_time),
//     read by a ListRollouts sweep every few seconds;
//   - GetRollout latency at a fixed request rate (open loop, bounded in count
//     and time) from a client in this process, during the window's second part;
// then recovery: kill -9 with every rollout active, restart at once (as a
// supervisor does), and the time until every rollout has ticked again; and the
// same after a downtime of a whole tick, when every rollout is overdue at once.
// Prints Markdown. Exit 1 only when the setup fails; the targets are judged by
// the reader (bench/README.md).
//   kanaryad_live_benchmark [rollouts=1000] [window s=240] [GetRollout/s=2000] [warm-up s=60]
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/live_fleet.h"
#include "bench/proc_stats.h"
#include "daemon/kube/kube_client.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/spec/tick_queries.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"
#include "tests/e2e/kanaryad_process.h"
#include "tests/e2e/service_objects.h"
#include "tests/e2e/traffic_exporter.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::bench {
namespace {

constexpr char kToken[] = "kanaryad";
// A fifth of the ticks' 10 s window: increase() and rate() need two samples
// in it, and the newest scrape is not queryable until it is stored, so at
// half the window a tick at its due time now and then finds one sample (no
// data). Prometheus shares the machine: each scrape of 16,000 series costs
// it CPU the queries then lack (Istio's default is 15 s, with 30 s ticks or
// longer).
constexpr absl::Duration kScrapeInterval = absl::Seconds(2);
// How often the tick-lag sweep lists every rollout: under a tick, so that
// every tick's status is seen at least once.
constexpr absl::Duration kSweepPeriod = absl::Seconds(4);
// How often the recovery sweep lists them: the resolution of its times.
constexpr absl::Duration kRecoverySweepPeriod = absl::Milliseconds(200);
constexpr absl::Duration kRecoveryBudget = absl::Seconds(60);

struct Options {
  int rollouts = 1000;
  int window_seconds = 240;
  int get_rate = 2000;
  int warmup_seconds = 60;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "kanaryad_live_benchmark: %s\n", message.c_str());
  std::exit(1);
}

absl::Time Time(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

bool Ticking(v1::Phase phase) {
  return phase == v1::PHASE_PROGRESSING || phase == v1::PHASE_PAUSED ||
         phase == v1::PHASE_AWAITING_APPROVAL;
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * static_cast<double>(values.size() - 1))];
}

std::string TempDirectory() {
  std::string pattern = std::filesystem::temp_directory_path() / "kanarya-live-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed");
  return pattern;
}

// Every rollout the daemon has, through ListRollouts pages.
absl::StatusOr<std::vector<v1::Rollout>> ListAll(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::RolloutService::NewStub(channel);
  std::vector<v1::Rollout> all;
  v1::ListRolloutsRequest request;
  request.set_page_size(1000);
  for (int page = 0; page < 100; ++page) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::ListRolloutsResponse response;
    const grpc::Status status = stub->ListRollouts(&context, request, &response);
    if (!status.ok()) return absl::UnavailableError(status.error_message());
    all.insert(all.end(), response.rollouts().begin(), response.rollouts().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return all;
}

// A channel of its own to the daemon (its own connection), for the
// ListRollouts sweeps: a megabyte answer must not queue the GetRollout load's
// answers behind it on one connection, as no two clients share one.
std::shared_ptr<grpc::Channel> OwnChannel(const e2e::KanaryadProcess& daemon) {
  grpc::ChannelArguments arguments;
  arguments.SetString("kanarya.bench.connection", "sweep");
  return grpc::CreateCustomChannel(daemon.address(), grpc::InsecureChannelCredentials(), arguments);
}

// Until Prometheus has a 10 s increase of every request series (at most 60 s).
void WaitForScrapedData(int prometheus_port, int rollouts) {
  httplib::Client client("127.0.0.1", prometheus_port);
  client.set_read_timeout(10);
  const httplib::Params query = {{"query", "count(increase(istio_requests_total[10s]) > 0)"}};
  const std::string wanted = std::to_string(rollouts * 4);  // 2 workloads x 2 codes
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (absl::Now() < give_up) {
    if (auto response = client.Get("/api/v1/query", query, httplib::Headers{});
        response && response->status == 200) {
      const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
      if (!body.is_discarded() && body["data"]["result"].size() == 1 &&
          body["data"]["result"][0]["value"][1] == wanted) {
        return;
      }
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  Fail("Prometheus scraped no traffic in 60 s");
}

// How many of the fleet's tick queries per second this Prometheus answers
// (32 in flight, as kanaryad sends them): one tick ending now of the first
// rollouts, up to 3000 queries. Fails when one is not answered with data:
// the fleet's queries must work before kanaryad runs.
double PrometheusQueriesPerSecond(const std::string& url, int rollouts) {
  metrics::PrometheusProvider provider(url, {});
  std::vector<metrics::Query> queries;
  const absl::Time end = absl::Now();
  for (int i = 0; i < rollouts && queries.size() < 3000; ++i) {
    absl::StatusOr<spec::TickQueryPlan> plan = spec::TickQueryPlan::Make(FleetSpec(i));
    if (!plan.ok()) Fail(plan.status().ToString());
    for (const spec::TickQuery& q : plan->QueriesAt(end)) queries.push_back(q.query);
  }
  const absl::Time start = absl::Now();
  const std::vector<absl::StatusOr<metrics::QueryResult>> results = provider.Run(queries);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok() || results[i]->series.empty()) {
      Fail(absl::StrCat("query ", queries[i].expression, ": ",
                        results[i].ok() ? "no data" : results[i].status().ToString()));
    }
  }
  return static_cast<double>(queries.size()) / seconds;
}

// Lists every rollout every kSweepPeriod and keeps, per tick seen (rollout,
// due time), how late it was evaluated.
class TickLagSweep {
 public:
  struct Lag {
    absl::Time due;
    double seconds;
  };

  explicit TickLagSweep(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)), thread_([this] { Run(); }) {}
  ~TickLagSweep() { Stop(); }

  void Stop() {
    {
      absl::MutexLock lock(&mutex_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  // The ticks due in [from, to).
  std::vector<Lag> Lags(absl::Time from, absl::Time to) {
    absl::MutexLock lock(&mutex_);
    std::vector<Lag> lags;
    for (const auto& [key, lag] : seen_) {
      if (lag.due >= from && lag.due < to) lags.push_back(lag);
    }
    return lags;
  }
  int failed_sweeps() {
    absl::MutexLock lock(&mutex_);
    return failed_sweeps_;
  }

 private:
  void Run() {
    absl::MutexLock lock(&mutex_);
    while (!stop_) {
      mutex_.Unlock();
      absl::StatusOr<std::vector<v1::Rollout>> all = ListAll(channel_);
      mutex_.Lock();
      if (!all.ok()) ++failed_sweeps_;
      for (const v1::Rollout& r : all.ok() ? *all : std::vector<v1::Rollout>{}) {
        const v1::RolloutStatus& s = r.status();
        if (!s.has_last_tick_evaluated_time()) continue;
        const absl::Time due = Time(s.last_tick_time());
        seen_.try_emplace(
            {r.name(), absl::ToUnixMicros(due)},
            Lag{due, absl::ToDoubleSeconds(Time(s.last_tick_evaluated_time()) - due)});
      }
      const absl::Time next = absl::Now() + kSweepPeriod;
      mutex_.AwaitWithDeadline(absl::Condition(&stop_), next);
    }
  }

  const std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex mutex_;
  bool stop_ ABSL_GUARDED_BY(mutex_) = false;
  std::map<std::pair<std::string, int64_t>, Lag> seen_ ABSL_GUARDED_BY(mutex_);
  int failed_sweeps_ ABSL_GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

struct LoadResult {
  std::vector<double> latency_ms;  // from each request's send to its answer
  // The same for the health checks sent among them: the floor of a call to
  // this server on this machine, the engine not involved.
  std::vector<double> control_ms;
  int64_t errors = 0;
  double seconds = 0;      // from the first send to the last answer
  double max_slip_ms = 0;  // how far behind its schedule a send went out
  int64_t slow = 0;        // answers over 10 ms
  int slow_seconds = 0;    // seconds of the schedule with at least one
};

// One call in flight: its context and messages live until its answer.
template <typename Request, typename Response>
struct Call {
  grpc::ClientContext context;
  Request request;
  Response response;
  absl::Time sent;
};

// GetRollout at `rate` per second for `duration` (open loop: each request is
// sent at its scheduled time whatever the answers do), over `names` in turn,
// each with a 2 s deadline; with every kControlEvery-th also a
// grpc.health.v1 check on the same channel.
LoadResult GetRolloutLoad(const std::shared_ptr<grpc::Channel>& channel,
                          const std::vector<std::string>& names, int rate,
                          absl::Duration duration) {
  constexpr int kControlEvery = 4;
  auto stub = v1::RolloutService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);
  const int64_t count = static_cast<int64_t>(rate * absl::ToDoubleSeconds(duration));
  LoadResult result;
  result.latency_ms.assign(count, 0);
  result.control_ms.assign(count / kControlEvery, 0);
  std::atomic<int64_t> done = 0;
  std::atomic<int64_t> errors = 0;
  // Starts a call; its latency goes to *latency.
  const auto send = [&](auto* call, double* latency, auto&& start_call) {
    call->sent = absl::Now();
    call->context.set_deadline(absl::ToChronoTime(call->sent + absl::Seconds(2)));
    start_call(&call->context, &call->request, &call->response,
               [call, latency, &done, &errors](const grpc::Status& status) {
                 *latency = absl::ToDoubleMilliseconds(absl::Now() - call->sent);
                 if (!status.ok()) errors.fetch_add(1);
                 delete call;
                 done.fetch_add(1);
               });
  };
  const absl::Time start = absl::Now();
  for (int64_t i = 0; i < count; ++i) {
    const absl::Time due = start + absl::Seconds(1) * static_cast<double>(i) / rate;
    if (const absl::Duration wait = due - absl::Now(); wait > absl::ZeroDuration()) {
      absl::SleepFor(wait);
    }
    result.max_slip_ms =
        std::max(result.max_slip_ms, absl::ToDoubleMilliseconds(absl::Now() - due));
    auto* get = new Call<v1::GetRolloutRequest, v1::GetRolloutResponse>;
    get->request.set_name(names[i % names.size()]);
    send(get, &result.latency_ms[i], [&](auto... args) { stub->async()->GetRollout(args...); });
    if (i % kControlEvery == 0 &&
        i / kControlEvery < static_cast<int64_t>(result.control_ms.size())) {
      auto* check =
          new Call<grpc::health::v1::HealthCheckRequest, grpc::health::v1::HealthCheckResponse>;
      send(check, &result.control_ms[i / kControlEvery],
           [&](auto... args) { health->async()->Check(args...); });
    }
  }
  // Every call has a deadline, so every callback runs; wait for all.
  const int64_t calls = count + static_cast<int64_t>(result.control_ms.size());
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (done.load() < calls) {
    if (absl::Now() > give_up) Fail("GetRollout callbacks missing 60 s after their deadlines");
    absl::SleepFor(absl::Milliseconds(5));
  }
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.errors = errors.load();
  std::set<int64_t> slow_seconds;
  for (int64_t i = 0; i < count; ++i) {
    if (result.latency_ms[i] > 10) {
      ++result.slow;
      slow_seconds.insert(i / rate);
    }
  }
  result.slow_seconds = static_cast<int>(slow_seconds.size());
  return result;
}

struct Recovery {
  double serving_s = 0;      // spawn to serving (Recover() included)
  double all_ticked_s = 0;   // spawn to the last rollout's first tick
  double worst_delay_s = 0;  // the most any tick ran after max(its due time, spawn)
  double p99_delay_s = 0;
  size_t ticked = 0;
  size_t expected = 0;
};

// kill -9, `down` later a restart on the same data, then every rollout of
// `ticking` watched until it has ticked again.
Recovery KillAndRestart(e2e::KanaryadProcess& daemon, const std::vector<std::string>& ticking,
                        absl::Duration down) {
  daemon.Kill();
  absl::SleepFor(down);
  const absl::Time spawned = absl::Now();
  if (absl::Status started = daemon.Start(absl::Seconds(120)); !started.ok()) {
    Fail(absl::StrCat("restart: ", started.ToString()));
  }
  Recovery recovery;
  recovery.serving_s = absl::ToDoubleSeconds(absl::Now() - spawned);
  recovery.expected = ticking.size();
  std::map<std::string, std::pair<absl::Time, absl::Time>> first;  // due, evaluated
  const absl::Time give_up = absl::Now() + kRecoveryBudget;
  while (first.size() < ticking.size() && absl::Now() < give_up) {
    absl::StatusOr<std::vector<v1::Rollout>> all = ListAll(daemon.channel());
    for (const v1::Rollout& r : all.ok() ? *all : std::vector<v1::Rollout>{}) {
      const v1::RolloutStatus& s = r.status();
      if (s.has_last_tick_evaluated_time() && Time(s.last_tick_evaluated_time()) >= spawned) {
        first.try_emplace(r.name(), Time(s.last_tick_time()), Time(s.last_tick_evaluated_time()));
      }
    }
    absl::SleepFor(kRecoverySweepPeriod);
  }
  std::vector<double> delays;
  for (const std::string& name : ticking) {
    const auto it = first.find(name);
    if (it == first.end()) continue;
    const auto [due, evaluated] = it->second;
    delays.push_back(absl::ToDoubleSeconds(evaluated - std::max(due, spawned)));
    recovery.all_ticked_s =
        std::max(recovery.all_ticked_s, absl::ToDoubleSeconds(evaluated - spawned));
  }
  recovery.ticked = delays.size();
  recovery.worst_delay_s = delays.empty() ? 0 : *std::max_element(delays.begin(), delays.end());
  recovery.p99_delay_s = Quantile(delays, 0.99);
  return recovery;
}

void CreateRollouts(const std::shared_ptr<grpc::Channel>& channel, int rollouts) {
  constexpr int kClients = 8;
  std::atomic<int> failures = 0;
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::RolloutService::NewStub(channel);
      for (int i = c; i < rollouts; i += kClients) {
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
        v1::CreateRolloutRequest request;
        *request.mutable_spec() = FleetSpec(i);
        request.set_reason("live benchmark");
        v1::CreateRolloutResponse response;
        const grpc::Status status = stub->CreateRollout(&context, request, &response);
        if (!status.ok()) {
          std::fprintf(stderr, "CreateRollout %d: %s\n", i, status.error_message().c_str());
          failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  if (failures.load() > 0) Fail(absl::StrCat(failures.load(), " CreateRollout calls failed"));
}

// Names of the rollouts in a ticking phase, and a count per phase.
std::vector<std::string> TickingRollouts(const std::shared_ptr<grpc::Channel>& channel,
                                         std::map<std::string, int>* phases) {
  absl::StatusOr<std::vector<v1::Rollout>> all = ListAll(channel);
  if (!all.ok()) Fail(absl::StrCat("ListRollouts: ", all.status().ToString()));
  std::vector<std::string> names;
  for (const v1::Rollout& r : *all) {
    if (phases != nullptr) ++(*phases)[v1::Phase_Name(r.status().phase())];
    if (Ticking(r.status().phase())) names.push_back(r.name());
  }
  return names;
}

std::string PhaseCounts(const std::shared_ptr<grpc::Channel>& channel) {
  std::map<std::string, int> phases;
  TickingRollouts(channel, &phases);
  std::string text;
  for (const auto& [phase, count] : phases) {
    absl::StrAppend(&text, text.empty() ? "" : ", ", phase, " ", count);
  }
  return text;
}

int Main(const Options& o) {
  const absl::Time began = absl::Now();
  std::printf("rollouts %d, window %d s, GetRollout %d/s, warm-up %d s; load average %s\n",
              o.rollouts, o.window_seconds, o.get_rate, o.warmup_seconds, LoadAverage().c_str());
  std::fflush(stdout);

  e2e::TrafficExporter exporter(FleetWorkloads(o.rollouts));
  // promtool needs a sample to write a block; the series is never queried.
  const int64_t old = absl::ToUnixSeconds(absl::Now() - absl::Hours(3));
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> prometheus = lab::PrometheusServer::Start(
      absl::StrCat("# TYPE kanarya_bench_seed gauge\nkanarya_bench_seed 1 ", old, "\n# EOF\n"),
      exporter.target(), kScrapeInterval);
  if (!prometheus.ok()) Fail(prometheus.status().ToString());

  lab::KubeApiEmulator api;
  api.AddToken(kToken, true);
  kube::KubeClient client(lab::KubeTokenConfig(api.url(), kToken));
  for (int i = 0; i < o.rollouts; ++i) {
    const std::string ns = FleetNamespace(i);
    const std::string name = FleetService(i);
    for (const auto& [resource, object] :
         {std::pair{"virtualservices", e2e::ServiceVirtualService(ns, name)},
          std::pair{"destinationrules", e2e::ServiceDestinationRule(ns, name)}}) {
      if (auto created = client.Create({"networking.istio.io", "v1", resource, ns, name}, object);
          !created.ok()) {
        Fail(absl::StrCat("creating ", resource, " ", name, ": ", created.status().ToString()));
      }
    }
  }
  WaitForScrapedData((*prometheus)->port(), o.rollouts);
  const double prometheus_qps = PrometheusQueriesPerSecond((*prometheus)->url(), o.rollouts);
  const std::vector<pid_t> prometheus_pids = ChildProcesses("prometheus");
  const pid_t prometheus_pid = prometheus_pids.empty() ? -1 : prometheus_pids.front();

  const std::string directory = TempDirectory();
  std::ofstream(directory + "/kubeconfig") << e2e::TokenKubeconfig(api.url(), kToken);
  std::ofstream(directory + "/kanaryad.yaml")
      << "providers:\n  prometheus:\n    type: prometheus\n    url: " << (*prometheus)->url()
      << "\nkubernetes:\n  kubeconfig: " << directory << "/kubeconfig\n  request_timeout: 5s\n";
  e2e::KanaryadProcess daemon(KANARYA_KANARYAD_BINARY, directory + "/data",
                              directory + "/kanaryad.yaml", directory + "/kanaryad.log");
  if (absl::Status started = daemon.Start(absl::Seconds(30)); !started.ok()) {
    Fail(started.ToString());
  }
  std::printf(
      "%d series scraped every %s; Prometheus answers %.0f of the fleet's queries/s (it needs "
      "%.0f/s); setup took %.1f s\n",
      exporter.series_count(), absl::FormatDuration(kScrapeInterval).c_str(), prometheus_qps,
      o.rollouts * kFleetQueriesPerTick / absl::ToDoubleSeconds(kFleetTick),
      absl::ToDoubleSeconds(absl::Now() - began));
  std::fflush(stdout);

  const absl::Time create_start = absl::Now();
  CreateRollouts(daemon.channel(), o.rollouts);
  const double create_s = absl::ToDoubleSeconds(absl::Now() - create_start);
  // Until every preflight is over (at most 180 s).
  std::vector<std::string> ticking;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(180); absl::Now() < give_up;
       absl::SleepFor(absl::Seconds(1))) {
    std::map<std::string, int> phases;
    ticking = TickingRollouts(daemon.channel(), &phases);
    if (phases["PHASE_PENDING"] + phases["PHASE_INITIALIZING"] == 0) break;
  }
  std::printf("created %d rollouts in %.1f s; %zu ticking %.1f s after the first creation (%s)\n",
              o.rollouts, create_s, ticking.size(),
              absl::ToDoubleSeconds(absl::Now() - create_start),
              PhaseCounts(daemon.channel()).c_str());
  std::fflush(stdout);
  if (ticking.empty()) {
    Fail(absl::StrCat("no rollout is ticking; see ", directory, "/kanaryad.log"));
  }

  TickLagSweep sweep(OwnChannel(daemon));
  absl::SleepFor(absl::Seconds(o.warmup_seconds));

  // The window: first without client load, then with GetRollout at the rate.
  const pid_t pid = daemon.pid();
  const auto cpu = [](pid_t p) { return p > 0 ? ProcessCpuSeconds(p).value_or(0) : 0; };
  const int load_seconds = std::min(30, o.window_seconds / 2);
  const absl::Time t0 = absl::Now();
  const double cpu0 = cpu(pid);
  const double prometheus0 = cpu(prometheus_pid);
  const double self0 = cpu(getpid());
  const MachineCpu machine0 = ReadMachineCpu();
  const std::string load0 = LoadAverage();
  absl::SleepFor(absl::Seconds(o.window_seconds - load_seconds));
  const absl::Time t1 = absl::Now();
  const double cpu1 = cpu(pid);
  const LoadResult load =
      GetRolloutLoad(daemon.channel(), ticking, o.get_rate, absl::Seconds(load_seconds));
  const absl::Time t2 = absl::Now();
  const double cpu2 = cpu(pid);
  const double prometheus2 = cpu(prometheus_pid);
  const double self2 = cpu(getpid());
  const MachineCpu machine2 = ReadMachineCpu();
  const std::optional<ProcessMemory> memory = ReadProcessMemory(pid);
  absl::SleepFor(kSweepPeriod + absl::Seconds(1));  // the last ticks of the window seen
  sweep.Stop();
  const std::vector<TickLagSweep::Lag> lags = sweep.Lags(t0, t2);
  std::vector<double> lag_s;
  std::vector<double> lag_under_load_s;
  for (const TickLagSweep::Lag& lag : lags) {
    lag_s.push_back(lag.seconds);
    if (lag.due >= t1) lag_under_load_s.push_back(lag.seconds);
  }
  const double window_s = absl::ToDoubleSeconds(t2 - t0);
  const double expected_ticks =
      static_cast<double>(ticking.size()) * window_s / absl::ToDoubleSeconds(kFleetTick);

  std::printf(
      "\nwindow %.0f s (load average %s at its start, %s at its end; all cores %.0f %% busy; "
      "Prometheus %.2f cores, this process (exporter, emulator, client) %.2f cores)\n\n",
      window_s, load0.c_str(), LoadAverage().c_str(),
      100 * (machine2.busy - machine0.busy) / (machine2.total - machine0.total),
      (prometheus2 - prometheus0) / window_s, (self2 - self0) / window_s);
  std::printf("| measure | result | target |\n|---|---|---|\n");
  std::printf("| rollouts ticking (5 metrics, 10 s ticks) | %zu | 1000 |\n", ticking.size());
  std::printf("| kanaryad CPU, no client load (%.0f s) | %.3f cores | ≤ 0.2 |\n",
              absl::ToDoubleSeconds(t1 - t0), (cpu1 - cpu0) / absl::ToDoubleSeconds(t1 - t0));
  std::printf("| kanaryad CPU, with GetRollout at %d/s (%.0f s) | %.3f cores | - |\n", o.get_rate,
              absl::ToDoubleSeconds(t2 - t1), (cpu2 - cpu1) / absl::ToDoubleSeconds(t2 - t1));
  std::printf("| kanaryad RSS now / peak (VmRSS / VmHWM) | %.0f / %.0f MiB | ≤ 256 MiB |\n",
              memory ? memory->rss_mib : -1, memory ? memory->peak_mib : -1);
  std::printf("| ticks seen / due in the window | %zu / %.0f | - |\n", lag_s.size(),
              expected_ticks);
  std::printf("| tick lag p50 / p99 / max | %.3f / %.3f / %.3f s | p99 < 1 s |\n",
              Quantile(lag_s, 0.5), Quantile(lag_s, 0.99), Quantile(lag_s, 1));
  std::printf("| tick lag p99 while GetRollout runs | %.3f s | - |\n",
              Quantile(lag_under_load_s, 0.99));
  std::printf(
      "| GetRollout p50 / p99 / p99.9 / max (%zu requests, %.0f/s achieved, %lld errors, "
      "send slip ≤ %.1f ms; %lld over 10 ms, in %d of %d s) | %.3f / %.3f / %.3f / %.3f ms | "
      "p99 ≤ 2 ms |\n",
      load.latency_ms.size(), static_cast<double>(load.latency_ms.size()) / load.seconds,
      static_cast<long long>(load.errors), load.max_slip_ms, static_cast<long long>(load.slow),
      load.slow_seconds, load_seconds, Quantile(load.latency_ms, 0.5),
      Quantile(load.latency_ms, 0.99), Quantile(load.latency_ms, 0.999),
      Quantile(load.latency_ms, 1));
  std::printf(
      "| grpc.health.v1 Check among them (%zu; the server's floor here) p50 / p99 / p99.9 "
      "| %.3f / %.3f / %.3f ms | - |\n",
      load.control_ms.size(), Quantile(load.control_ms, 0.5), Quantile(load.control_ms, 0.99),
      Quantile(load.control_ms, 0.999));
  std::fflush(stdout);

  ticking = TickingRollouts(daemon.channel(), nullptr);
  for (const auto& [what, down] : {std::pair{"kill -9, restarted at once", absl::ZeroDuration()},
                                   std::pair{"kill -9, down one tick (all overdue at restart)",
                                             kFleetTick + absl::Seconds(1)}}) {
    const Recovery r = KillAndRestart(daemon, ticking, down);
    std::printf(
        "| %s: serving after / every rollout ticked after / worst and p99 tick delay "
        "past max(due, restart) (%zu of %zu ticked) | %.2f / %.2f / %.2f and %.2f s | "
        "every rollout ticking again ≤ 2 s |\n",
        what, r.ticked, r.expected, r.serving_s, r.all_ticked_s, r.worst_delay_s, r.p99_delay_s);
    std::fflush(stdout);
  }
  std::printf("\nafter: %s; sweeps failed: %d; kanaryad log: %s/kanaryad.log; total %.0f s\n",
              PhaseCounts(daemon.channel()).c_str(), sweep.failed_sweeps(), directory.c_str(),
              absl::ToDoubleSeconds(absl::Now() - began));
  daemon.Kill();
  std::error_code ignored;
  std::filesystem::remove_all(directory + "/data", ignored);  // the log stays
  return 0;
}

}  // namespace
}  // namespace kanarya::bench

int main(int argc, char** argv) {
  kanarya::bench::Options o;
  int* const fields[] = {&o.rollouts, &o.window_seconds, &o.get_rate, &o.warmup_seconds};
  for (int i = 1; i < argc; ++i) {
    if (i > 4 || !absl::SimpleAtoi(argv[i], fields[i - 1]) || *fields[i - 1] < 1) {
      std::fprintf(stderr,
                   "usage: kanaryad_live_benchmark [rollouts=1000] [window s=240] "
                   "[GetRollout/s=2000] [warm-up s=60] (positive integers)\n");
      return 2;
    }
  }
  try {
    return kanarya::bench::Main(o);
  } catch (const std::exception& e) {  // an unexpected answer from the lab's servers
    std::fprintf(stderr, "kanaryad_live_benchmark: %s\n", e.what());
    return 1;
  }
}
