// kanaryad killed with SIGKILL at random instants while it drives rollouts
// against a real Prometheus (scraping live traffic counters every second) and
// the Kubernetes API emulator, restarted each time on the same data directory.
// Asserts: after every restart, each rollout whose stored intent is applied
// has exactly that canary weight in its VirtualService; every rollout reaches
// its final phase (good canaries SUCCEEDED at 100/0, bad ones ROLLED_BACK at
// 100/0); the stored WEIGHT_CHANGED events follow the plan with no step
// repeated or skipped; and the weights seen in the VirtualServices never go
// back except on rollback or the final promotion.

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/kube/kube_client.h"
#include "gtest/gtest.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"
#include "tests/e2e/kanaryad_process.h"
#include "tests/e2e/kanaryad_world.h"
#include "tests/e2e/service_objects.h"
#include "tests/e2e/traffic_exporter.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::e2e {
namespace {

using nlohmann::json;

constexpr char kNamespace[] = "shop";
constexpr char kToken[] = "kanaryad";
const std::vector<int> kPlan = {20, 40, 60, 80};

// The bounds of the whole test: kills wanted, rounds and wall time allowed.
constexpr int kKillsWanted = 50;
constexpr int kMaxRounds = 30;
constexpr absl::Duration kTestBudget = absl::Minutes(4);
// One round (a rollout per service from start to its final phase), at most.
constexpr absl::Duration kRoundBudget = absl::Seconds(90);

struct Service {
  std::string name;
  bool good_canary;
};
const std::vector<Service> kServices = {{"checkout", true}, {"payments", true}, {"search", false}};

int LiveCanaryWeight(lab::KubeApiEmulator& api, const std::string& name) {
  return e2e::LiveCanaryWeight(api, kNamespace, name);
}

// Samples every VirtualService's canary weight every few milliseconds and
// keeps, per service, the distinct values in the order seen.
class WeightRecorder {
 public:
  explicit WeightRecorder(lab::KubeApiEmulator& api) : api_(api), thread_([this] { Run(); }) {}
  ~WeightRecorder() {
    stop_ = true;
    thread_.join();
  }
  // The weights seen since the last call, and forgets them.
  std::map<std::string, std::vector<int>> Take() {
    absl::MutexLock lock(&mutex_);
    std::map<std::string, std::vector<int>> seen;
    for (auto& [name, weights] : seen_) {
      seen[name] = weights;
      weights = {weights.back()};
    }
    return seen;
  }

 private:
  void Run() {
    while (!stop_) {
      for (const Service& s : kServices) {
        const int weight = LiveCanaryWeight(api_, s.name);
        absl::MutexLock lock(&mutex_);
        std::vector<int>& weights = seen_[s.name];
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

class KanaryadCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, Workload> workloads;
    for (const Service& s : kServices) {
      workloads[s.name + "-stable"] = {kNamespace, s.name + "-stable", 100, 0.01};
      workloads[s.name + "-canary"] = {kNamespace, s.name + "-canary", 100,
                                       s.good_canary ? 0.01 : 0.3};
    }
    exporter_ = std::make_unique<TrafficExporter>(workloads);
    api_.AddToken(kToken, true);
    for (const Service& s : kServices) {
      CreateObject("virtualservices", ServiceVirtualService(kNamespace, s.name));
      CreateObject("destinationrules", ServiceDestinationRule(kNamespace, s.name));
    }
    absl::StatusOr<std::unique_ptr<KanaryadWorld>> world =
        KanaryadWorld::Start({.kanaryad_binary = KANARYA_KANARYAD_BINARY,
                              .scrape_target = exporter_->target(),
                              .kubeconfig = TokenKubeconfig(api_.url(), kToken)});
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = *std::move(world);
    daemon_ = &world_->daemon();
    // Enough for a 10 s increase of every series (2 response codes x 2
    // workloads per service), so the preflight finds data.
    ASSERT_TRUE(world_
                    ->WaitForQueryValue("count(increase(istio_requests_total[10s]) > 0)",
                                        std::to_string(kServices.size() * 4), absl::Seconds(30))
                    .ok());
  }

  void TearDown() override {
    if (HasFailure() && world_ != nullptr) world_->Keep();
  }

  void CreateObject(const std::string& resource, const json& object) {
    kube::KubeClient client(lab::KubeTokenConfig(api_.url(), kToken));
    const kube::ObjectRef ref{"networking.istio.io", "v1", resource, kNamespace,
                              object["metadata"]["name"]};
    ASSERT_TRUE(client.Create(ref, object).ok()) << resource;
  }

  absl::StatusOr<v1::GetRolloutResponse> Get(const std::string& name, int event_limit = 0) {
    return world_->Get(name, event_limit);
  }

  // After a restart: each rollout's VirtualService carries the stored intent
  // once the daemon says it applied it. The status is read before and after
  // the VirtualService; only an unchanged, applied status is compared.
  void ExpectLiveWeightsEqualIntent(const std::map<std::string, std::string>& rollouts) {
    for (const auto& [service, name] : rollouts) {
      const absl::Time give_up = absl::Now() + absl::Seconds(20);
      bool compared = false;
      while (!compared && absl::Now() < give_up) {
        absl::StatusOr<v1::GetRolloutResponse> before = Get(name);
        const int live = LiveCanaryWeight(api_, service);
        absl::StatusOr<v1::GetRolloutResponse> after = Get(name);
        if (before.ok() && after.ok()) {
          const v1::RolloutStatus& a = before->rollout().status();
          const v1::RolloutStatus& b = after->rollout().status();
          if (a.intent_applied() && b.intent_applied() &&
              a.event_sequence() == b.event_sequence() && a.canary_weight() == b.canary_weight() &&
              a.phase() == b.phase()) {
            EXPECT_EQ(live, a.canary_weight())
                << name << " in " << v1::Phase_Name(a.phase()) << " at step " << a.step_index();
            compared = true;
            ++comparisons_;
          }
        }
        if (!compared) absl::SleepFor(absl::Milliseconds(50));
      }
      EXPECT_TRUE(compared) << name << ": no applied intent to compare within 20 s";
    }
  }

  std::unique_ptr<TrafficExporter> exporter_;
  lab::KubeApiEmulator api_;
  std::unique_ptr<KanaryadWorld> world_;
  KanaryadProcess* daemon_ = nullptr;  // world_'s
  int comparisons_ = 0;
  absl::Duration restart_time_;  // the longest from spawn to serving
  absl::Duration total_restart_time_;
  absl::Duration total_compare_time_;
};

// The distinct canary weights a VirtualService showed during one rollout:
// from 0 up the plan without going back, then 0 again only at the end (the
// promotion's swap back to 100/0, or the rollback).
void ExpectWeightsNeverWentBack(const std::string& service, const std::vector<int>& seen) {
  ASSERT_FALSE(seen.empty()) << service;
  EXPECT_EQ(seen.back(), 0) << service;
  for (size_t i = 1; i + 1 < seen.size(); ++i) {
    EXPECT_LE(seen[i - 1], seen[i]) << service << ": went back from " << seen[i - 1] << " to "
                                    << seen[i] << " (sample " << i << " of " << seen.size() << ")";
  }
}

TEST_F(KanaryadCrashTest, ResumesEveryRolloutExactlyAfterKillsAtRandomInstants) {
  WeightRecorder recorder(api_);
  const uint32_t seed = std::random_device{}();
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> uptime_ms(20, 700);
  const absl::Time start = absl::Now();
  int kills = 0;
  int rounds = 0;
  for (; rounds < kMaxRounds && kills < kKillsWanted && absl::Now() - start < kTestBudget;
       ++rounds) {
    SCOPED_TRACE(absl::StrCat("round ", rounds, ", seed ", seed));
    recorder.Take();
    std::map<std::string, std::string> rollouts;  // service -> rollout name
    for (const Service& s : kServices) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      v1::CreateRolloutRequest request;
      *request.mutable_spec() =
          ServiceRolloutSpec(s.name, absl::StrCat("r", rounds), kPlan, absl::Seconds(2));
      request.set_reason("crash test");
      v1::CreateRolloutResponse response;
      const grpc::Status created = world_->Stub()->CreateRollout(&context, request, &response);
      ASSERT_TRUE(created.ok()) << s.name << ": " << created.error_message();
      ASSERT_TRUE(response.created());
      rollouts[s.name] = response.rollout().name();
    }

    std::map<std::string, v1::Rollout> final_state;
    const absl::Time round_end = absl::Now() + kRoundBudget;
    while (final_state.size() < rollouts.size() && absl::Now() < round_end) {
      absl::SleepFor(absl::Milliseconds(uptime_ms(random)));
      daemon_->Kill();
      ++kills;
      const absl::Time restart = absl::Now();
      ASSERT_TRUE(daemon_->Start(absl::Seconds(30)).ok()) << "after kill " << kills;
      restart_time_ = std::max(restart_time_, absl::Now() - restart);
      total_restart_time_ += absl::Now() - restart;
      const absl::Time compare = absl::Now();
      ExpectLiveWeightsEqualIntent(rollouts);
      total_compare_time_ += absl::Now() - compare;
      for (const auto& [service, name] : rollouts) {
        absl::StatusOr<v1::GetRolloutResponse> got = Get(name);
        if (got.ok() && Terminal(got->rollout().status().phase())) {
          final_state[service] = got->rollout();
        }
      }
    }
    ASSERT_EQ(final_state.size(), rollouts.size()) << "rollouts unfinished after " << kRoundBudget;

    const std::map<std::string, std::vector<int>> seen = recorder.Take();
    for (const Service& s : kServices) {
      SCOPED_TRACE(rollouts[s.name]);
      const v1::RolloutStatus& status = final_state[s.name].status();
      EXPECT_EQ(status.phase(), s.good_canary ? v1::PHASE_SUCCEEDED : v1::PHASE_ROLLED_BACK)
          << status.reason();
      EXPECT_EQ(LiveCanaryWeight(api_, s.name), 0);

      absl::StatusOr<v1::GetRolloutResponse> got = Get(rollouts[s.name], 1000);
      ASSERT_TRUE(got.ok()) << got.status();
      std::vector<v1::RolloutEvent> events(got->events().begin(), got->events().end());
      std::sort(events.begin(), events.end(),
                [](const auto& a, const auto& b) { return a.sequence() < b.sequence(); });
      std::vector<int> weights;
      for (const v1::RolloutEvent& e : events) {
        if (e.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) weights.push_back(e.canary_weight());
      }
      if (s.good_canary) {
        EXPECT_EQ(weights, kPlan);
      } else {  // rolled back at some step: the plan up to there, once each
        ASSERT_LE(weights.size(), kPlan.size());
        EXPECT_EQ(weights, std::vector<int>(kPlan.begin(), kPlan.begin() + weights.size()));
      }
      ExpectWeightsNeverWentBack(s.name, seen.at(s.name));
      std::cout << rollouts[s.name] << ": " << v1::Phase_Name(status.phase()) << " after "
                << weights.size() << " weight changes (" << status.reason() << ")\n";
    }
  }
  EXPECT_GE(kills, kKillsWanted) << "in " << rounds << " rounds";
  std::cout << "kills: " << kills << ", rounds: " << rounds
            << ", intent comparisons: " << comparisons_ << ", slowest restart: " << restart_time_
            << ", restarts took " << total_restart_time_ << ", comparisons took "
            << total_compare_time_ << ", time: " << absl::FormatDuration(absl::Now() - start)
            << ", seed: " << seed << "\n";
}

}  // namespace
}  // namespace kanarya::e2e
