// The lab's mesh end to end on simulated time: routes read through the
// Kubernetes API emulator as a client changes them, faults posted to the
// control endpoint, what /metrics and the Loki emulator then show, and
// determinism under a seed. Statistical checks use bounds of at least 4.5
// standard deviations: a seed that breaks one occurs with probability below
// 1e-5.
#include "tests/lab/mesh_lab.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/kube/kube_client.h"
#include "daemon/kube/kube_config.h"

namespace kanarya::lab {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kStart = absl::FromUnixSeconds(1'760'000'000);

// The shipped services: api-gateway (400 requests/s) and runner-service (200),
// versions v1 and v2 with 2 % errors each.
std::vector<LabService> ShippedServices() {
  absl::StatusOr<std::vector<LabService>> services = LoadLabServices(KANARYA_LAB_SERVICES);
  EXPECT_TRUE(services.ok()) << services.status();
  return services.ok() ? *services : std::vector<LabService>{};
}

// Sums the samples of `metric` whose labels contain every one of `matchers`
// (each `name="value"`) in Prometheus' text format.
double Sum(const std::string& exposition, const std::string& metric,
           const std::vector<std::string>& matchers) {
  double sum = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (!absl::StartsWith(line, metric + "{")) continue;
    bool matches = true;
    for (const std::string& m : matchers) matches = matches && absl::StrContains(line, m);
    double value = 0;
    if (matches && absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) sum += value;
  }
  return sum;
}

class MeshLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MeshLabOptions options;
    options.services = ShippedServices();
    options.seed = 42;
    absl::StatusOr<std::unique_ptr<MeshLab>> lab = MeshLab::Start(options, kStart);
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = *std::move(lab);
  }

  // Advances the simulation by `duration` of simulated time.
  void Run(absl::Duration duration) {
    now_ += duration;
    lab_->simulation().AdvanceTo(now_);
  }

  // Applies a JSON patch to an Istio object through the API, as kubectl or
  // kanaryad would.
  void Patch(const std::string& resource, const std::string& service, const json& patch) {
    httplib::Client client(lab_->kube_url());
    client.set_bearer_token_auth("kanarya-lab");
    const httplib::Result result =
        client.Patch(absl::StrCat("/apis/networking.istio.io/v1/namespaces/", service, "/",
                                  resource, "/", service),
                     patch.dump(), "application/json-patch+json");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
  }

  void SetWeights(const std::string& service, int stable, int canary) {
    Patch("virtualservices", service,
          {{{"op", "replace"}, {"path", "/spec/http/0/route/0/weight"}, {"value", stable}},
           {{"op", "replace"}, {"path", "/spec/http/0/route/1/weight"}, {"value", canary}}});
  }

  httplib::Result PostFault(const std::string& body) {
    return httplib::Client(lab_->control_url()).Post("/faults", body, "application/json");
  }

  // Requests and errors a version served so far, from GET /traffic.
  std::pair<int64_t, int64_t> Served(const std::string& service, const std::string& version) {
    const httplib::Result result = httplib::Client(lab_->control_url()).Get("/traffic");
    EXPECT_TRUE(result && result->status == 200);
    if (!result) return {-1, -1};
    const json traffic = json::parse(result->body);
    for (const json& row : traffic["traffic"]) {
      if (row["service"] == service && row["version"] == version) {
        return {row["requests"].get<int64_t>(), row["errors"].get<int64_t>()};
      }
    }
    ADD_FAILURE() << service << " " << version << " not in " << result->body;
    return {-1, -1};
  }

  std::string Metrics() {
    const httplib::Result result =
        httplib::Client(lab_->metrics_url().substr(0, lab_->metrics_url().rfind('/')))
            .Get("/metrics");
    EXPECT_TRUE(result && result->status == 200);
    return result ? result->body : "";
  }

  std::unique_ptr<MeshLab> lab_;
  absl::Time now_ = kStart;
};

TEST_F(MeshLabTest, RoutesByTheVirtualServiceCurrentWeights) {
  Run(absl::Seconds(10));
  EXPECT_GT(Served("runner-service", "v1").first, 1500);
  EXPECT_EQ(Served("runner-service", "v2").first, 0) << "at 100/0";

  SetWeights("runner-service", 90, 10);
  const auto [v1_before, ignored] = Served("runner-service", "v1");
  Run(absl::Seconds(60));
  const double v1 = static_cast<double>(Served("runner-service", "v1").first - v1_before);
  const double v2 = static_cast<double>(Served("runner-service", "v2").first);
  // About 12000 requests; the canary's share is binomial with p = 0.1:
  // sd = sqrt(0.1 * 0.9 / 12000) = 0.0027, and 4.5 sd = 0.0123.
  const double n = v1 + v2;
  EXPECT_NEAR(n, 12000, 4.5 * std::sqrt(12000.0));
  EXPECT_NEAR(v2 / n, 0.1, 4.5 * std::sqrt(0.1 * 0.9 / n));
}

TEST_F(MeshLabTest, SwappedDestinationRuleLabelsMoveTheStableTrafficToTheNewVersion) {
  Run(absl::Seconds(5));
  // A promotion as kanaryad makes it: the stable subset takes the canary's labels.
  Patch("destinationrules", "api-gateway",
        {{{"op", "replace"}, {"path", "/spec/subsets/0/labels/version"}, {"value", "v2"}}});
  const int64_t v1_before = Served("api-gateway", "v1").first;
  Run(absl::Seconds(5));
  EXPECT_EQ(Served("api-gateway", "v1").first, v1_before);
  // 400 requests/s for 5 s: 2000, sd 45.
  EXPECT_NEAR(static_cast<double>(Served("api-gateway", "v2").first), 2000, 4.5 * 45);
}

TEST_F(MeshLabTest, RequestsWithoutARouteAreCountedAsUnrouted) {
  lab_->kube().Delete("networking.istio.io", "virtualservices", "runner-service", "runner-service");
  Run(absl::Seconds(2));
  EXPECT_EQ(Served("runner-service", "v1").first, 0);
  const json traffic =
      json::parse(httplib::Client(lab_->control_url()).Get("/traffic")->body)["unrouted"];
  ASSERT_EQ(traffic.size(), 2u);
  EXPECT_EQ(traffic[1]["service"], "runner-service");
  EXPECT_GT(traffic[1]["requests"].get<int64_t>(), 200);
  EXPECT_THAT(traffic[1]["route_error"].get<std::string>(), HasSubstr("no VirtualService"));
  EXPECT_EQ(traffic[0]["requests"], 0) << "api-gateway is routed";
}

TEST_F(MeshLabTest, PostedFaultsChangeTheErrorRateInTheMetrics) {
  const httplib::Result posted =
      PostFault(R"({"service": "runner-service", "version": "v1", "error_rate": 0.3})");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  Run(absl::Seconds(30));
  const std::string metrics = Metrics();
  const std::vector<std::string> v1 = {R"(destination_workload="runner-service-v1")",
                                       R"(reporter="destination")"};
  const double all = Sum(metrics, "istio_requests_total", v1);
  std::vector<std::string> v1_500 = v1;
  v1_500.push_back(R"(response_code="500")");
  const double errors = Sum(metrics, "istio_requests_total", v1_500);
  // About 6000 requests: sd = sqrt(0.3 * 0.7 / 6000) = 0.0059.
  ASSERT_GT(all, 5000);
  EXPECT_NEAR(errors / all, 0.3, 4.5 * std::sqrt(0.3 * 0.7 / all));
  EXPECT_EQ(static_cast<int64_t>(all), Served("runner-service", "v1").first);
  EXPECT_EQ(static_cast<int64_t>(errors), Served("runner-service", "v1").second);

  const json faults = json::parse(httplib::Client(lab_->control_url()).Get("/faults")->body);
  EXPECT_EQ(faults["faults"][2], (json{{"service", "runner-service"},
                                       {"namespace", "runner-service"},
                                       {"version", "v1"},
                                       {"workload", "runner-service-v1"},
                                       {"error_rate", 0.3},
                                       {"latency_factor", 1.0}}));
}

TEST_F(MeshLabTest, LatencyFactorScalesTheDurationHistogram) {
  const std::vector<std::string> v1 = {R"(destination_workload="api-gateway-v1")"};
  Run(absl::Seconds(20));
  const std::string before = Metrics();
  ASSERT_EQ(
      PostFault(R"({"service": "api-gateway", "version": "v1", "latency_factor": 2})")->status,
      200);
  Run(absl::Seconds(20));
  const std::string after = Metrics();
  const auto mean = [&](const std::string& text) {
    return Sum(text, "istio_request_duration_milliseconds_sum", v1) /
           Sum(text, "istio_request_duration_milliseconds_count", v1);
  };
  const double sum_added = Sum(after, "istio_request_duration_milliseconds_sum", v1) -
                           Sum(before, "istio_request_duration_milliseconds_sum", v1);
  const double count_added = Sum(after, "istio_request_duration_milliseconds_count", v1) -
                             Sum(before, "istio_request_duration_milliseconds_count", v1);
  // Log-normal with median 30 ms and sigma 0.35: mean 30 * exp(0.35^2 / 2) =
  // 31.9 ms, sd 11.5 ms; over ~8000 requests the mean's sd is 0.13 ms.
  EXPECT_NEAR(mean(before), 31.9, 1.0);
  EXPECT_NEAR(sum_added / count_added, 2 * 31.9, 2.0);
}

TEST_F(MeshLabTest, MetricsCarryIstioLabelsAndDefaultBuckets) {
  Run(absl::Seconds(1));
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("# TYPE istio_requests_total counter"));
  EXPECT_THAT(metrics, HasSubstr("# TYPE istio_request_duration_milliseconds histogram"));
  for (const char* label :
       {R"(reporter="destination")", R"(source_workload="istio-ingressgateway")",
        R"(source_workload_namespace="istio-system")",
        R"(destination_workload_namespace="api-gateway")", R"(destination_version="v1")",
        R"(destination_service="api-gateway.api-gateway.svc.cluster.local")",
        R"(destination_service_name="api-gateway")",
        R"(destination_service_namespace="api-gateway")", R"(response_code="200")",
        R"(response_flags="-")", R"(request_protocol="http")",
        R"(connection_security_policy="mutual_tls")"}) {
    EXPECT_THAT(metrics, HasSubstr(label));
  }
  // The bucket bounds of one series, as Prometheus parses them: Envoy's
  // default buckets (source/common/stats/histogram_impl.cc), then +Inf.
  std::vector<double> bounds;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (!absl::StartsWith(line, "istio_request_duration_milliseconds_bucket{") ||
        !absl::StrContains(line, R"(destination_workload="api-gateway-v1")") ||
        !absl::StrContains(line, R"(response_code="200")")) {
      continue;
    }
    const size_t le = line.find("le=\"") + 4;
    double bound = 0;
    ASSERT_TRUE(absl::SimpleAtod(line.substr(le, line.find('"', le) - le), &bound)) << line;
    bounds.push_back(bound);
  }
  EXPECT_THAT(bounds,
              ::testing::ElementsAre(0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
                                     30000, 60000, 300000, 600000, 1800000, 3600000, INFINITY));
}

TEST_F(MeshLabTest, BadFaultsAreRejectedNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "body: must be a JSON object"},
      {R"(["service"])", "body: must be a JSON object"},
      {R"({"version": "v2", "error_rate": 0.1})", "service: required"},
      {R"({"service": "runner-service", "error_rate": 0.1})", "version: required"},
      {R"({"service": "billing", "version": "v2", "error_rate": 0.1})",
       "service: no service \"billing\" (known: api-gateway, runner-service)"},
      {R"({"service": "runner-service", "version": "v3", "error_rate": 0.1})",
       "version: runner-service has no version \"v3\" (known: v1, v2)"},
      {R"({"service": "runner-service", "version": "v2", "error_rate": 1.5})",
       "error_rate: must be from 0 to 1, got 1.5"},
      {R"({"service": "runner-service", "version": "v2", "error_rate": "high"})",
       "error_rate: must be a number"},
      {R"({"service": "runner-service", "version": "v2", "latency_factor": 0})",
       "latency_factor: must be greater than 0"},
      {R"({"service": "runner-service", "version": "v2"})", "error_rate: give error_rate"},
      {R"({"service": "runner-service", "version": "v2", "rate": 0.1})", "rate: unknown field"},
      {R"({"service": 7, "version": "v2", "error_rate": 0.1})", "service: must be a string"},
  };
  for (const auto& [body, error] : cases) {
    const httplib::Result result = PostFault(body);
    ASSERT_TRUE(result) << body;
    EXPECT_EQ(result->status, 400) << body;
    const json answer = json::parse(result->body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << result->body;
    EXPECT_THAT(answer["error"].get<std::string>(), StartsWith(error)) << body;
  }
  const json faults = json::parse(httplib::Client(lab_->control_url()).Get("/faults")->body);
  for (const json& fault : faults["faults"]) {
    EXPECT_EQ(fault["error_rate"], 0.02) << fault;
    EXPECT_EQ(fault["latency_factor"], 1.0) << fault;
  }
}

TEST_F(MeshLabTest, LokiCountsTheErrorLinesOfEachVersion) {
  SetWeights("runner-service", 50, 50);
  ASSERT_EQ(
      PostFault(R"({"service": "runner-service", "version": "v2", "error_rate": 0.2})")->status,
      200);
  Run(absl::Seconds(20));
  const auto count = [&](const std::string& query) {
    const httplib::Result result =
        httplib::Client(lab_->loki_url())
            .Get("/loki/api/v1/query",
                 {{"query", query}, {"time", absl::StrCat(absl::ToUnixSeconds(now_))}},
                 httplib::Headers{});
    EXPECT_TRUE(result && result->status == 200) << query << ": " << (result ? result->body : "");
    const json body = json::parse(result->body);
    const json& vector = body["data"]["result"];
    return vector.empty() ? 0.0 : std::stod(vector[0]["value"][1].get<std::string>());
  };
  const auto [requests, errors] = Served("runner-service", "v2");
  ASSERT_GT(errors, 300);  // ~2000 requests at 20 % errors
  const std::string stream = R"({namespace="runner-service",app="runner-service-v2"})";
  EXPECT_EQ(count(absl::StrCat("sum(count_over_time(", stream, " |= \"error\" [1m]))")),
            static_cast<double>(errors));
  EXPECT_EQ(count(absl::StrCat("sum(count_over_time(", stream, "[1m]))")),
            static_cast<double>(requests));
  EXPECT_EQ(count("sum(count_over_time({app=\"runner-service-v1\",version=\"v1\"} |= "
                  "\"level=error\" [1m]))"),
            static_cast<double>(Served("runner-service", "v1").second));
}

// POST /loki takes the emulator down (every query 503) and stops its
// ingestion (the lines of that time are lost, as a cut-off shipper's); a bad
// body changes nothing and names the field.
TEST_F(MeshLabTest, LokiGoesDownAndStopsIngestingOnTheControlEndpoint) {
  httplib::Client control(lab_->control_url());
  httplib::Client loki(lab_->loki_url());
  const std::string total = R"(sum(count_over_time({app="runner-service-v1"}[1m])))";
  const auto query = [&] {
    return loki.Get("/loki/api/v1/query",
                    {{"query", total}, {"time", absl::StrCat(absl::ToUnixSeconds(now_))}},
                    httplib::Headers{});
  };
  const auto lines = [&] {
    const httplib::Result result = query();
    EXPECT_TRUE(result && result->status == 200) << (result ? result->body : "no answer");
    const json body = json::parse(result->body);
    const json& vector = body["data"]["result"];
    return vector.empty() ? 0.0 : std::stod(vector[0]["value"][1].get<std::string>());
  };
  Run(absl::Seconds(5));
  const double before = lines();
  EXPECT_EQ(before, static_cast<double>(Served("runner-service", "v1").first));

  for (const auto& [body, error] : std::vector<std::pair<std::string, std::string>>{
           {R"({"serving": "no"})", "serving: must be true or false"},
           {R"({"serving": false, "up": false})", "up: unknown field"},
           {"[]", "body: must be a JSON object"}}) {
    const httplib::Result result = control.Post("/loki", body, "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << body;
    EXPECT_THAT(json::parse(result->body)["error"].get<std::string>(), StartsWith(error));
  }
  EXPECT_EQ(json::parse(control.Get("/loki")->body),
            json({{"serving", true}, {"ingesting", true}}));

  httplib::Result down = control.Post("/loki", R"({"serving": false})", "application/json");
  ASSERT_TRUE(down && down->status == 200);
  EXPECT_EQ(json::parse(down->body), json({{"serving", false}, {"ingesting", true}}));
  const httplib::Result refused = query();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);

  ASSERT_EQ(
      control.Post("/loki", R"({"serving": true, "ingesting": false})", "application/json")->status,
      200);
  Run(absl::Seconds(5));
  EXPECT_EQ(lines(), before) << "lines pushed while not ingesting are lost";
  ASSERT_EQ(control.Post("/loki", R"({"ingesting": true})", "application/json")->status, 200);
  const int64_t served_before_ingesting = Served("runner-service", "v1").first;
  Run(absl::Seconds(5));
  EXPECT_EQ(lines(), before + static_cast<double>(Served("runner-service", "v1").first -
                                                  served_before_ingesting));
}

TEST(MeshLabKubeconfigTest, KanaryadsClientReachesTheHttpsApiWithIt) {
  MeshLabOptions options;
  options.services = ShippedServices();
  options.kube_tls = true;
  absl::StatusOr<std::unique_ptr<MeshLab>> lab = MeshLab::Start(options, kStart);
  ASSERT_TRUE(lab.ok()) << lab.status();
  EXPECT_THAT((*lab)->kube_url(), StartsWith("https://127.0.0.1:"));
  absl::StatusOr<kube::KubeConfig> config = kube::KubeconfigText((*lab)->Kubeconfig(), "lab");
  ASSERT_TRUE(config.ok()) << config.status();
  kube::KubeClient client(*config);
  absl::StatusOr<json> vs = client.Get(
      {"networking.istio.io", "v1", "virtualservices", "runner-service", "runner-service"});
  ASSERT_TRUE(vs.ok()) << vs.status();
  EXPECT_EQ((*vs)["spec"]["http"][0]["route"][0]["weight"], 100);
}

TEST(MeshSimulationTest, TheSameSeedServesTheSameRequests) {
  const auto run = [](uint64_t seed) {
    IstioTelemetry telemetry;
    MeshSimulation simulation(
        ShippedServices(), seed, kStart,
        [](const LabService& s) -> absl::StatusOr<std::vector<VersionShare>> {
          return std::vector<VersionShare>{{"v1", s.name == "api-gateway" ? 0.7 : 0.5},
                                           {"v2", s.name == "api-gateway" ? 0.3 : 0.5}};
        },
        telemetry, [](const auto&, absl::Time, const std::string&) {});
    EXPECT_TRUE(
        simulation.SetFault({.service = "api-gateway", .version = "v2", .error_rate = 0.1}).ok());
    simulation.AdvanceTo(kStart + absl::Seconds(10));
    std::vector<int64_t> counts;
    for (const VersionState& v : simulation.Versions()) {
      counts.push_back(v.requests);
      counts.push_back(v.errors);
    }
    return counts;
  };
  const std::vector<int64_t> first = run(7);
  EXPECT_EQ(first, run(7));
  EXPECT_NE(first, run(8));
  ASSERT_EQ(first.size(), 8u);
  EXPECT_GT(first[3], 60) << "api-gateway v2: ~1200 requests at 10 % errors";
}

}  // namespace
}  // namespace kanarya::lab
