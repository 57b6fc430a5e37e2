// The demo's two scenarios (scripts/demo.sh), asserted: the real kanaryad
// binary drives the rollouts of examples/lab/ against the lab's mesh (in
// process: the Kubernetes API emulator, simulated traffic with Istio's
// telemetry and Loki) and a real Prometheus scraping the mesh every second.
// - api-gateway v2, as healthy as v1, goes through every step and is
//   promoted: SUCCEEDED, the VirtualService back at 100/0 and the
//   DestinationRule's stable subset now selecting v2;
// - runner-service v2 starts failing 20 % of its requests once its rollout
//   reaches the second step, and is rolled back: ROLLED_BACK, the
//   VirtualService at 100/0 with the stable subset still on v1, within a
//   bounded time of the fault.
#include <gmock/gmock.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/spec/rollout_document.h"
#include "gtest/gtest.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"
#include "tests/e2e/kanaryad_process.h"
#include "tests/lab/mesh_lab.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::e2e {
namespace {

using nlohmann::json;

// Both rollouts finish in about two and a half minutes (docs/lab.md).
constexpr absl::Duration kBudget = absl::Minutes(4);
// From the fault to the VirtualService back at 100/0: in the demo about 3 s
// (a scrape, a tick, the analysis, one patch).
constexpr absl::Duration kRollbackBound = absl::Seconds(20);
constexpr double kBadErrorRate = 0.2;

bool Terminal(v1::Phase phase) {
  return phase == v1::PHASE_SUCCEEDED || phase == v1::PHASE_ROLLED_BACK ||
         phase == v1::PHASE_ABORTED || phase == v1::PHASE_FAILED;
}

std::string TempDirectory() {
  std::string pattern = std::filesystem::temp_directory_path() / "kanarya-demo-XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

struct Routes {
  int stable_weight = -1;
  int canary_weight = -1;
  std::string stable_version;  // what the DestinationRule's stable subset selects
};

class LabDemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lab::MeshLabOptions options;
    absl::StatusOr<std::vector<lab::LabService>> services =
        lab::LoadLabServices(KANARYA_SOURCE_DIR "/tests/lab/services.yaml");
    ASSERT_TRUE(services.ok()) << services.status();
    options.services = *services;
    absl::StatusOr<std::unique_ptr<lab::MeshLab>> lab = lab::MeshLab::Start(options, absl::Now());
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = *std::move(lab);
    lab_->RunOnWallClock();

    // promtool needs a sample to write a block; the series is never queried.
    const int64_t old = absl::ToUnixSeconds(absl::Now() - absl::Hours(3));
    const std::string metrics = lab_->metrics_url();  // http://127.0.0.1:PORT/metrics
    auto prometheus = lab::PrometheusServer::Start(
        absl::StrCat("# TYPE kanarya_e2e_seed gauge\nkanarya_e2e_seed 1 ", old, "\n# EOF\n"),
        metrics.substr(7, metrics.rfind('/') - 7));
    ASSERT_TRUE(prometheus.ok()) << prometheus.status();
    prometheus_ = *std::move(prometheus);

    directory_ = TempDirectory();
    std::ofstream(directory_ + "/kubeconfig") << lab_->Kubeconfig();
    std::ofstream(directory_ + "/kanaryad.yaml")
        << "providers:\n  prometheus: {type: prometheus, url: \"" << prometheus_->url()
        << "\"}\n  loki: {type: loki, url: \"" << lab_->loki_url()
        << "\"}\nkubernetes:\n  kubeconfig: " << directory_
        << "/kubeconfig\n  request_timeout: 5s\n";
    daemon_ = std::make_unique<KanaryadProcess>(KANARYA_KANARYAD_BINARY, directory_ + "/data",
                                                directory_ + "/kanaryad.yaml",
                                                directory_ + "/kanaryad.log");
    ASSERT_TRUE(daemon_->Start(absl::Seconds(30)).ok());
    WaitForScrapedTraffic();
  }

  void TearDown() override {
    daemon_.reset();
    if (!HasFailure()) {
      std::error_code ignored;
      std::filesystem::remove_all(directory_, ignored);
    } else {
      std::cerr << "kept " << directory_ << " (kanaryad.log)\n";
    }
  }

  // Until Prometheus has held every stable workload's counters for longer
  // than a tick (at most 30 s), so that the preflight's queries, which
  // compare the counters with a tick ago, find the baseline's data.
  void WaitForScrapedTraffic() {
    httplib::Client client("127.0.0.1", prometheus_->port());
    client.set_read_timeout(5);
    const httplib::Params query = {
        {"query", "count(sum by (destination_workload) (istio_requests_total offset 4s))"}};
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (absl::Now() < give_up) {
      if (auto response = client.Get("/api/v1/query", query, httplib::Headers{});
          response && response->status == 200) {
        const json body = json::parse(response->body, nullptr, false);
        if (!body.is_discarded() && body["data"]["result"].size() == 1 &&
            body["data"]["result"][0]["value"][1] == "2") {
          return;
        }
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    FAIL() << "Prometheus scraped no traffic in 30 s";
  }

  std::string Create(const std::string& service) {
    absl::StatusOr<v1::RolloutSpec> spec = spec::ReadRolloutDocument(
        absl::StrCat(KANARYA_SOURCE_DIR, "/deploy/examples/", service, "/rollout-v2.yaml"));
    EXPECT_TRUE(spec.ok()) << spec.status();
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::CreateRolloutRequest request;
    *request.mutable_spec() = *spec;
    request.set_reason("the demo's scenario");
    v1::CreateRolloutResponse response;
    const grpc::Status created = v1::RolloutService::NewStub(daemon_->channel())
                                     ->CreateRollout(&context, request, &response);
    EXPECT_TRUE(created.ok()) << service << ": " << created.error_message();
    return response.rollout().name();
  }

  // The rollout and, with `events`, its newest events.
  absl::StatusOr<v1::GetRolloutResponse> Get(const std::string& name, int events = 0) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::GetRolloutRequest request;
    request.set_name(name);
    request.set_event_limit(events);
    v1::GetRolloutResponse response;
    const grpc::Status status =
        v1::RolloutService::NewStub(daemon_->channel())->GetRollout(&context, request, &response);
    if (!status.ok()) return absl::UnavailableError(status.error_message());
    return response;
  }

  // The weights in force: as the emulator holds the objects now.
  Routes LiveRoutes(const std::string& service) {
    Routes routes;
    const json vs = lab_->kube().Get("networking.istio.io", "virtualservices", service, service);
    const json dr = lab_->kube().Get("networking.istio.io", "destinationrules", service, service);
    if (vs.is_null() || dr.is_null()) return routes;
    for (const json& route : vs["spec"]["http"][0]["route"]) {
      (route["destination"]["subset"] == "stable" ? routes.stable_weight : routes.canary_weight) =
          route.value("weight", 0);
    }
    for (const json& subset : dr["spec"]["subsets"]) {
      if (subset["name"] == "stable") routes.stable_version = subset["labels"]["version"];
    }
    return routes;
  }

  // The canary weights the rollout set, in order.
  std::vector<int> WeightChanges(const std::string& name) {
    absl::StatusOr<v1::GetRolloutResponse> got = Get(name, 1000);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) return {};
    std::vector<v1::RolloutEvent> events(got->events().begin(), got->events().end());
    std::sort(events.begin(), events.end(),
              [](const auto& a, const auto& b) { return a.sequence() < b.sequence(); });
    std::vector<int> weights;
    for (const v1::RolloutEvent& e : events) {
      if (e.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) weights.push_back(e.canary_weight());
    }
    return weights;
  }

  int64_t ServedByBadCanary() {
    for (const lab::VersionState& v : lab_->simulation().Versions()) {
      if (v.service == "runner-service" && v.version == "v2") return v.requests;
    }
    return -1;
  }

  std::unique_ptr<lab::MeshLab> lab_;
  std::unique_ptr<lab::PrometheusServer> prometheus_;
  std::string directory_;
  std::unique_ptr<KanaryadProcess> daemon_;
};

TEST_F(LabDemoTest, PromotesTheHealthyCanaryAndRollsBackTheFailingOne) {
  const absl::Time start = absl::Now();
  const std::string good = Create("api-gateway");
  const std::string bad = Create("runner-service");
  ASSERT_FALSE(good.empty() || bad.empty());

  std::optional<absl::Time> fault_at, back_at;
  int64_t served_at_fault = 0;
  v1::Rollout good_rollout, bad_rollout;
  while (absl::Now() - start < kBudget) {
    absl::StatusOr<v1::GetRolloutResponse> good_now = Get(good);
    absl::StatusOr<v1::GetRolloutResponse> bad_now = Get(bad);
    ASSERT_TRUE(good_now.ok() && bad_now.ok()) << good_now.status() << bad_now.status();
    good_rollout = good_now->rollout();
    bad_rollout = bad_now->rollout();
    if (!fault_at && bad_rollout.status().step_index() >= 1 &&
        !Terminal(bad_rollout.status().phase())) {
      ASSERT_TRUE(
          lab_->simulation()
              .SetFault({.service = "runner-service", .version = "v2", .error_rate = kBadErrorRate})
              .ok());
      fault_at = absl::Now();
      served_at_fault = ServedByBadCanary();
    }
    if (fault_at && !back_at && LiveRoutes("runner-service").canary_weight == 0) {
      back_at = absl::Now();
    }
    if (Terminal(good_rollout.status().phase()) && Terminal(bad_rollout.status().phase()) &&
        (!fault_at || back_at)) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }

  {
    SCOPED_TRACE(good);
    EXPECT_EQ(good_rollout.status().phase(), v1::PHASE_SUCCEEDED) << good_rollout.status().reason();
    const Routes routes = LiveRoutes("api-gateway");
    EXPECT_EQ(routes.stable_weight, 100);
    EXPECT_EQ(routes.canary_weight, 0);
    EXPECT_EQ(routes.stable_version, "v2") << "the promotion swaps the stable subset's labels";
    EXPECT_EQ(WeightChanges(good), (std::vector<int>{10, 25, 50}));
  }
  {
    SCOPED_TRACE(bad);
    ASSERT_TRUE(fault_at.has_value())
        << "the rollout never reached its second step: " << bad_rollout.status().reason();
    EXPECT_EQ(bad_rollout.status().phase(), v1::PHASE_ROLLED_BACK) << bad_rollout.status().reason();
    const Routes routes = LiveRoutes("runner-service");
    EXPECT_EQ(routes.stable_weight, 100);
    EXPECT_EQ(routes.canary_weight, 0);
    EXPECT_EQ(routes.stable_version, "v1");
    EXPECT_EQ(WeightChanges(bad), (std::vector<int>{10, 25}));
    ASSERT_TRUE(back_at.has_value()) << "the VirtualService never went back to 100/0";
    EXPECT_LT(*back_at - *fault_at, kRollbackBound);
  }
  std::cout << good << ": " << v1::Phase_Name(good_rollout.status().phase()) << "; " << bad << ": "
            << v1::Phase_Name(bad_rollout.status().phase()) << " (" << bad_rollout.status().reason()
            << "); fault to 100/0: "
            << (fault_at && back_at ? absl::FormatDuration(*back_at - *fault_at) : "-")
            << "; the bad canary served " << ServedByBadCanary() << " requests, "
            << ServedByBadCanary() - served_at_fault << " after the fault; both finished in "
            << absl::FormatDuration(absl::Now() - start) << "\n";
}

}  // namespace
}  // namespace kanarya::e2e
