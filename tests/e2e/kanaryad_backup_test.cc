// Backup and restore of the real kanaryad: three rollouts run against a real
// Prometheus and the Kubernetes API emulator; `kanaryactl backup` copies the
// state while they progress; the daemon then dies with its volume (SIGKILL,
// the directory abandoned) after moving on past the backup. `kanaryad
// restore` places the backup in a new directory and a new kanaryad starts on
// it. Asserts: the backup holds the three unfinished rollouts; every rollout
// resumes from its backed-up state, each VirtualService is reconciled to the
// stored intent (a rollout the lost daemon had moved further is set back to
// the backup's weight before it goes on); every rollout is promoted, with
// its weight changes following the plan once each.
#include <httplib.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/kube/kube_client.h"
#include "daemon/store/sqlite_state_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"
#include "tests/e2e/kanaryad_process.h"
#include "tests/e2e/service_objects.h"
#include "tests/e2e/traffic_exporter.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kNamespace[] = "shop";
constexpr char kToken[] = "kanaryad";
const std::vector<int> kPlan = {20, 40, 60, 80};
const std::vector<std::string> kServices = {"checkout", "payments", "search"};
// Every wait of the test is bounded by one of these.
constexpr absl::Duration kStartBudget = absl::Seconds(30);
constexpr absl::Duration kProgressBudget = absl::Seconds(60);
constexpr absl::Duration kFinishBudget = absl::Seconds(120);

// Runs a command line; its exit status and what it printed (stdout and stderr).
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// Samples each VirtualService's canary weight every few milliseconds and
// keeps the distinct values in the order seen.
class WeightRecorder {
 public:
  explicit WeightRecorder(lab::KubeApiEmulator& api) : api_(api), thread_([this] { Run(); }) {}
  ~WeightRecorder() {
    stop_ = true;
    thread_.join();
  }
  std::vector<int> Seen(const std::string& service) {
    absl::MutexLock lock(&mutex_);
    return seen_[service];
  }

 private:
  void Run() {
    while (!stop_) {
      for (const std::string& service : kServices) {
        const int weight = LiveCanaryWeight(api_, kNamespace, service);
        absl::MutexLock lock(&mutex_);
        std::vector<int>& weights = seen_[service];
        if (weights.empty() || weights.back() != weight) weights.push_back(weight);
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }

  lab::KubeApiEmulator& api_;
  std::atomic<bool> stop_ = false;
  absl::Mutex mutex_;
  std::map<std::string, std::vector<int>> seen_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

class KanaryadBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, Workload> workloads;
    for (const std::string& s : kServices) {
      workloads[s + "-stable"] = {kNamespace, s + "-stable", 100, 0.01};
      workloads[s + "-canary"] = {kNamespace, s + "-canary", 100, 0.01};
    }
    exporter_ = std::make_unique<TrafficExporter>(workloads);
    // promtool needs a sample to write a block; the series is never queried.
    const int64_t old = absl::ToUnixSeconds(absl::Now() - absl::Hours(3));
    auto prometheus = lab::PrometheusServer::Start(
        absl::StrCat("# TYPE kanarya_e2e_seed gauge\nkanarya_e2e_seed 1 ", old, "\n# EOF\n"),
        exporter_->target());
    ASSERT_TRUE(prometheus.ok()) << prometheus.status();
    prometheus_ = *std::move(prometheus);

    api_.AddToken(kToken, true);
    kube::KubeClient client(lab::KubeTokenConfig(api_.url(), kToken));
    for (const std::string& s : kServices) {
      for (const auto& [resource, object] :
           {std::pair{"virtualservices", ServiceVirtualService(kNamespace, s)},
            {"destinationrules", ServiceDestinationRule(kNamespace, s)}}) {
        ASSERT_TRUE(
            client.Create({"networking.istio.io", "v1", resource, kNamespace, s}, object).ok())
            << resource;
      }
    }
    std::string pattern = std::filesystem::temp_directory_path() / "kanarya-backup-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    std::ofstream(directory_ + "/kubeconfig") << TokenKubeconfig(api_.url(), kToken);
    std::ofstream(directory_ + "/kanaryad.yaml") << absl::StrCat(
        "providers:\n  prometheus:\n    type: prometheus\n    url: ", prometheus_->url(),
        "\nkubernetes:\n  kubeconfig: ", directory_, "/kubeconfig\n  request_timeout: 5s\n");
    WaitForScrapedData();
  }

  void TearDown() override {
    daemon_.reset();
    if (!HasFailure()) {
      std::error_code ignored;
      std::filesystem::remove_all(directory_, ignored);
    } else {
      std::cerr << "kept " << directory_ << " (kanaryad-*.log)\n";
    }
  }

  // Until Prometheus has a 10 s increase of every series (at most 30 s).
  void WaitForScrapedData() {
    httplib::Client client("127.0.0.1", prometheus_->port());
    client.set_read_timeout(5);
    const httplib::Params query = {{"query", "count(increase(istio_requests_total[10s]) > 0)"}};
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (absl::Now() < give_up) {
      if (auto response = client.Get("/api/v1/query", query, httplib::Headers{});
          response && response->status == 200) {
        const json body = json::parse(response->body, nullptr, false);
        if (!body.is_discarded() && body["data"]["result"].size() == 1 &&
            body["data"]["result"][0]["value"][1] == std::to_string(kServices.size() * 4)) {
          return;
        }
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    FAIL() << "Prometheus scraped no traffic in 30 s";
  }

  // A daemon on `data_dir`, started.
  void StartDaemon(const std::string& data_dir, const std::string& log_name) {
    daemon_ = std::make_unique<KanaryadProcess>(KANARYA_KANARYAD_BINARY, data_dir,
                                                directory_ + "/kanaryad.yaml",
                                                directory_ + "/" + log_name);
    const absl::Status started = daemon_->Start(kStartBudget);
    ASSERT_TRUE(started.ok()) << started;
  }

  absl::StatusOr<v1::GetRolloutResponse> Get(const std::string& name, int event_limit = 0) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::GetRolloutRequest request;
    request.set_name(name);
    request.set_event_limit(event_limit);
    v1::GetRolloutResponse response;
    grpc::Status status =
        v1::RolloutService::NewStub(daemon_->channel())->GetRollout(&context, request, &response);
    if (!status.ok()) return absl::UnavailableError(status.error_message());
    return response;
  }

  // Polls every rollout until `done` holds for all of them or `budget` ends.
  bool WaitForAll(const std::function<bool(const v1::RolloutStatus&)>& done,
                  absl::Duration budget) {
    const absl::Time give_up = absl::Now() + budget;
    while (absl::Now() < give_up) {
      bool all = true;
      for (const auto& [service, name] : rollouts_) {
        absl::StatusOr<v1::GetRolloutResponse> got = Get(name);
        all = all && got.ok() && done(got->rollout().status());
      }
      if (all) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  std::unique_ptr<TrafficExporter> exporter_;
  std::unique_ptr<lab::PrometheusServer> prometheus_;
  lab::KubeApiEmulator api_;
  std::string directory_;
  std::unique_ptr<KanaryadProcess> daemon_;
  std::map<std::string, std::string> rollouts_;  // service -> rollout name
};

TEST_F(KanaryadBackupTest, ARestoredDaemonResumesEveryRolloutAtItsStoredIntent) {
  StartDaemon(directory_ + "/data", "kanaryad-lost.log");
  for (const std::string& s : kServices) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::CreateRolloutRequest request;
    *request.mutable_spec() = ServiceRolloutSpec(s, "v2", kPlan, absl::Seconds(4));
    request.set_reason("backup test");
    v1::CreateRolloutResponse response;
    const grpc::Status created = v1::RolloutService::NewStub(daemon_->channel())
                                     ->CreateRollout(&context, request, &response);
    ASSERT_TRUE(created.ok()) << s << ": " << created.error_message();
    rollouts_[s] = response.rollout().name();
  }
  // Every rollout has moved traffic, and none has finished.
  ASSERT_TRUE(WaitForAll(
      [](const v1::RolloutStatus& s) {
        return s.phase() == v1::PHASE_PROGRESSING && s.canary_weight() >= kPlan[0] &&
               s.intent_applied();
      },
      kProgressBudget));

  // The backup, through the real client, while the rollouts run.
  const std::string backup = directory_ + "/kanarya-backup.db";
  const auto [code, output] = RunCommand(absl::StrCat(
      KANARYA_KANARYACTL_BINARY, " --server=", daemon_->address(), " backup --to ", backup));
  ASSERT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("3 rollout(s) (3 unfinished)"));

  // What the backup holds: each rollout's stored state at that instant.
  std::map<std::string, v1::Rollout> backed_up;
  {
    const std::string copy = directory_ + "/inspect";
    std::filesystem::create_directories(copy);
    std::filesystem::copy_file(backup, copy + "/kanarya.db");
    absl::StatusOr<store::StateStorePtr> store = store::SqliteStateStore::Open(copy);
    ASSERT_TRUE(store.ok()) << store.status();
    for (const auto& [service, name] : rollouts_) {
      absl::StatusOr<v1::Rollout> rollout = (*store)->GetRollout(name);
      ASSERT_TRUE(rollout.ok()) << rollout.status();
      EXPECT_EQ(rollout->status().phase(), v1::PHASE_PROGRESSING) << name;
      backed_up[service] = *rollout;
    }
  }

  // The daemon goes on past the backup (a rollout moves to a weight the
  // backup does not know), then dies with its volume.
  std::string moved_on;
  const absl::Time give_up = absl::Now() + kProgressBudget;
  while (moved_on.empty() && absl::Now() < give_up) {
    for (const auto& [service, rollout] : backed_up) {
      const int live = LiveCanaryWeight(api_, kNamespace, service);
      if (live > rollout.status().canary_weight()) moved_on = service;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_FALSE(moved_on.empty()) << "no rollout moved past the backup";
  daemon_->Kill();
  const int lost_weight = LiveCanaryWeight(api_, kNamespace, moved_on);

  // Restore into a new directory; the real binary, as an operator runs it.
  const std::string restored = directory_ + "/restored";
  const auto [restore_code, restore_output] = RunCommand(
      absl::StrCat(KANARYA_KANARYAD_BINARY, " restore --from ", backup, " --data_dir ", restored));
  ASSERT_EQ(restore_code, 0) << restore_output;
  EXPECT_THAT(restore_output, HasSubstr("3 rollout(s), 3 unfinished"));
  // A second restore into it is refused: the directory is not empty.
  const auto [again_code, again_output] = RunCommand(
      absl::StrCat(KANARYA_KANARYAD_BINARY, " restore --from ", backup, " --data_dir ", restored));
  EXPECT_EQ(again_code, 2) << again_output;
  EXPECT_THAT(again_output, HasSubstr("not an empty directory"));

  WeightRecorder recorder(api_);
  StartDaemon(restored, "kanaryad-restored.log");
  // Each rollout resumes where the backup left it: its VirtualService set to
  // the stored intent; the one the lost daemon had moved on is set back.
  for (const auto& [service, name] : rollouts_) {
    absl::StatusOr<v1::GetRolloutResponse> got = Get(name);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_GE(got->rollout().status().step_index(), backed_up[service].status().step_index());
    EXPECT_EQ(got->rollout().status().attempt(), backed_up[service].status().attempt());
  }
  ASSERT_TRUE(WaitForAll(
      [](const v1::RolloutStatus& s) {
        return s.phase() == v1::PHASE_SUCCEEDED && s.intent_applied();
      },
      kFinishBudget));
  const std::vector<int> seen = recorder.Seen(moved_on);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), lost_weight);
  EXPECT_THAT(seen, ::testing::Contains(backed_up[moved_on].status().canary_weight()))
      << moved_on << " was not set back to the backup's intent";

  for (const auto& [service, name] : rollouts_) {
    SCOPED_TRACE(name);
    EXPECT_EQ(LiveCanaryWeight(api_, kNamespace, service), 0);
    absl::StatusOr<v1::GetRolloutResponse> got = Get(name, 1000);
    ASSERT_TRUE(got.ok()) << got.status();
    std::vector<v1::RolloutEvent> events(got->events().begin(), got->events().end());
    std::sort(events.begin(), events.end(),
              [](const auto& a, const auto& b) { return a.sequence() < b.sequence(); });
    std::vector<int> weights;
    for (const v1::RolloutEvent& e : events) {
      if (e.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) weights.push_back(e.canary_weight());
    }
    EXPECT_EQ(weights, kPlan);  // the restored log goes on from the backup: no step twice
  }
  std::cout << moved_on << ": the lost daemon had reached " << lost_weight << ", the backup held "
            << backed_up[moved_on].status().canary_weight() << "; weights seen after the restore:";
  for (int w : seen) std::cout << " " << w;
  std::cout << "\n";
}

}  // namespace
}  // namespace kanarya::e2e
