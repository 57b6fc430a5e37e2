// /metrics of a daemon-like setup: the engine on the test doubles behind the
// telemetry decorators, the gRPC server with the interceptor, the HTTP
// endpoint with /metrics; every documented series checked after a rollout,
// and the scrape checked by `promtool check metrics`.
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/http_health.h"
#include "daemon/api/judge_service.h"
#include "daemon/api/server.h"
#include "daemon/engine/proto_time.h"
#include "daemon/kube/kube_client.h"
#include "daemon/telemetry/daemon_metrics.h"
#include "daemon/telemetry/grpc_metrics_interceptor.h"
#include "daemon/telemetry/instrumented_provider.h"
#include "daemon/telemetry/instrumented_store.h"
#include "daemon/telemetry/log.h"
#include "daemon/telemetry/rollout_collector.h"
#include "daemon/telemetry/telemetry_http.h"
#include "daemon/telemetry/telemetry_test_util.h"
#include "daemon/testing/engine_harness.h"
#include "gtest/gtest.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::telemetry {
namespace {

// The per-rollout series of an unfinished rollout carry its stored status.
void ExpectRolloutSeries(const std::string& scrape, const v1::Rollout& rollout) {
  const std::string labels = absl::StrCat("namespace=\"", rollout.spec().target().namespace_(),
                                          "\",rollout=\"", rollout.name(), "\"");
  const v1::RolloutStatus& status = rollout.status();
  const absl::Time last_progress =
      std::max(engine::FromProto(status.phase_time()), engine::FromProto(status.step_start_time()));
  EXPECT_DOUBLE_EQ(
      SampleValue(scrape, absl::StrCat("kanarya_rollout_last_progress_timestamp_seconds{", labels,
                                       ",phase=\"", PhaseLabel(status.phase()), "\"}")),
      absl::ToDoubleSeconds(last_progress - absl::UnixEpoch()));
  ASSERT_EQ(status.metrics_size(), 1);
  EXPECT_EQ(status.metrics(0).name(), "errors");
  for (const v1::SequentialMetricResult& metric : status.metrics()) {
    const std::string series = absl::StrCat(labels, ",metric=\"", metric.name(), "\"");
    EXPECT_DOUBLE_EQ(SampleValue(scrape, absl::StrCat("kanarya_metric_evidence{", series, "}")),
                     metric.regression_evidence());
    EXPECT_DOUBLE_EQ(
        SampleValue(scrape, absl::StrCat("kanarya_metric_effect{", series, ",bound=\"estimate\"}")),
        metric.estimate());
    EXPECT_DOUBLE_EQ(
        SampleValue(scrape, absl::StrCat("kanarya_metric_effect{", series, ",bound=\"lower\"}")),
        metric.cs_lower());
    EXPECT_DOUBLE_EQ(
        SampleValue(scrape, absl::StrCat("kanarya_metric_effect{", series, ",bound=\"upper\"}")),
        metric.cs_upper());
    // Exactly one state is 1: the stored one.
    ASSERT_NE(metric.state(), v1::METRIC_STATE_UNSPECIFIED);
    const std::map<std::string, v1::MetricState> states = {
        {"regression", v1::METRIC_STATE_REGRESSION},
        {"within_tolerance", v1::METRIC_STATE_WITHIN_TOLERANCE},
        {"undecided", v1::METRIC_STATE_UNDECIDED},
        {"no_data", v1::METRIC_STATE_NODATA}};
    for (const auto& [label, state] : states) {
      EXPECT_EQ(SampleValue(scrape, absl::StrCat("kanarya_metric_state{", series, ",state=\"",
                                                 label, "\"}")),
                metric.state() == state ? 1 : 0)
          << metric.name() << " " << label;
    }
  }
}

class TelemetryScrapeTest : public ::testing::Test {
 protected:
  TelemetryScrapeTest()
      : harness(testing::CanaryTraffic{}, std::make_unique<InstrumentedStore>(memory, metrics)),
        readiness({StoreCheck(memory)}),
        telemetry({metrics.registry, std::make_shared<RolloutCollector>(memory)}, readiness) {
    SetLogLevel(LogLevel::kWarning);  // the rollout's transitions are not this test's output
    harness.options.on_tick_analysed = AnalysisDurationRecorder(metrics);
    harness.Restart();  // an engine with the hook
  }
  ~TelemetryScrapeTest() override { SetLogLevel(LogLevel::kInfo); }

  void SetUp() override {
    auto started = api::HttpHealthEndpoint::Start("127.0.0.1:0");
    ASSERT_TRUE(started.ok()) << started.status();
    http = *std::move(started);
    telemetry.AddTo(http->context());
  }

  std::string Scrape() {
    const HttpAnswer answer = HttpGet(absl::StrCat("http://127.0.0.1:", http->port(), "/metrics"));
    EXPECT_EQ(answer.code, 200);
    return answer.body;
  }

  DaemonMetrics metrics;
  store::MemoryStateStore memory;
  testing::EngineHarness harness;
  Readiness readiness;
  TelemetryHttp telemetry;
  std::unique_ptr<api::HttpHealthEndpoint> http;  // stops before what its handlers use
};

TEST_F(TelemetryScrapeTest, RolloutSeriesFollowTheRolloutAndItsDecision) {
  const std::string name = *harness.Start(testing::TestRolloutSpec());
  // At the first step, after a few ticks of analysis.
  const v1::Rollout progressing = harness.RunUntil(name, [](const v1::Rollout& r) {
    return r.status().canary_weight() == 10 && r.status().ticks() >= 3;
  });
  ASSERT_EQ(progressing.status().phase(), v1::PHASE_PROGRESSING);
  ASSERT_EQ(progressing.status().canary_weight(), 10);

  std::string scrape = Scrape();
  const std::string weight =
      absl::StrCat("kanarya_rollout_canary_weight{namespace=\"shop\",rollout=\"", name, "\"}");
  EXPECT_EQ(SampleValue(scrape, weight), 10);
  EXPECT_EQ(SampleValue(scrape, "kanarya_rollouts{phase=\"progressing\"}"), 1);
  EXPECT_EQ(SampleValue(scrape, "kanarya_rollouts{phase=\"succeeded\"}"), 0);
  EXPECT_EQ(SampleValue(scrape, "kanarya_decisions_total{outcome=\"succeeded\"}"), 0);
  EXPECT_EQ(SampleValue(scrape, "kanarya_time_to_decision_seconds_count{outcome=\"succeeded\"}"),
            0);
  ExpectRolloutSeries(scrape, progressing);
  // One observation per analysed tick (the preflight is no tick).
  EXPECT_EQ(SampleValue(scrape, "kanarya_analysis_duration_seconds_count"),
            progressing.status().ticks());
  EXPECT_GE(SampleValue(scrape, "kanarya_analysis_duration_seconds_sum"), 0);

  const v1::Rollout done = harness.RunToEnd(name);
  ASSERT_EQ(done.status().phase(), v1::PHASE_SUCCEEDED);
  scrape = Scrape();
  EXPECT_TRUE(std::isnan(SampleValue(scrape, weight))) << "a finished rollout keeps its weight";
  for (const char* family :
       {"kanarya_metric_evidence{", "kanarya_metric_effect{", "kanarya_metric_state{",
        "kanarya_rollout_last_progress_timestamp_seconds{"}) {
    EXPECT_FALSE(absl::StrContains(scrape, family)) << "a finished rollout keeps " << family;
  }
  EXPECT_EQ(SampleValue(scrape, "kanarya_rollouts{phase=\"progressing\"}"), 0);
  EXPECT_EQ(SampleValue(scrape, "kanarya_rollouts{phase=\"succeeded\"}"), 1);
  EXPECT_EQ(SampleValue(scrape, "kanarya_decisions_total{outcome=\"succeeded\"}"), 1);
  EXPECT_EQ(SampleValue(scrape, "kanarya_decisions_total{outcome=\"rolled_back\"}"), 0);

  // Time to decision: from the first traffic move to the event of the final phase.
  absl::Time decided = absl::InfinitePast();
  for (const v1::RolloutEvent& event : harness.Events(name)) {
    if (event.type() == v1::EVENT_TYPE_PHASE_CHANGED &&
        event.phase_after() == v1::PHASE_SUCCEEDED) {
      decided = engine::FromProto(event.time());
    }
  }
  const double seconds =
      absl::ToDoubleSeconds(decided - engine::FromProto(done.status().start_time()));
  ASSERT_GT(seconds, 60);  // two steps of at least a minute each
  EXPECT_EQ(SampleValue(scrape, "kanarya_time_to_decision_seconds_count{outcome=\"succeeded\"}"),
            1);
  EXPECT_DOUBLE_EQ(
      SampleValue(scrape, "kanarya_time_to_decision_seconds_sum{outcome=\"succeeded\"}"), seconds);
  EXPECT_EQ(SampleValue(scrape, "kanarya_time_to_decision_seconds_count{outcome=\"rolled_back\"}"),
            0);
  EXPECT_EQ(SampleValue(scrape, "kanarya_time_to_rollback_seconds_count"), 0);
  EXPECT_GT(SampleValue(scrape, "kanarya_store_commit_duration_seconds_count"), 3);
}

TEST_F(TelemetryScrapeTest, TimeToRollbackRunsFromTheFailingStepToStableTraffic) {
  // A healthy canary until its second step, then five times the baseline's
  // errors.
  const std::string name = *harness.Start(testing::TestRolloutSpec());
  const v1::Rollout second_step =
      harness.RunUntil(name, [](const v1::Rollout& r) { return r.status().step_index() == 1; });
  ASSERT_EQ(second_step.status().phase(), v1::PHASE_PROGRESSING);
  harness.prometheus.set_responder(
      testing::MakeResponder(testing::CanaryTraffic{.canary_error_rate = 0.05}));
  const v1::Rollout done = harness.RunToEnd(name);
  ASSERT_EQ(done.status().phase(), v1::PHASE_ROLLED_BACK) << done.status().reason();

  absl::Time rolled_back = absl::InfinitePast();
  for (const v1::RolloutEvent& event : harness.Events(name)) {
    if (event.type() == v1::EVENT_TYPE_PHASE_CHANGED &&
        event.phase_after() == v1::PHASE_ROLLED_BACK) {
      rolled_back = engine::FromProto(event.time());
    }
  }
  const absl::Time step_start = engine::FromProto(done.status().step_start_time());
  const absl::Time first_move = engine::FromProto(done.status().start_time());
  ASSERT_GT(rolled_back, step_start);
  ASSERT_GT(step_start, first_move);  // the first step's minute and more
  const std::string scrape = Scrape();
  EXPECT_EQ(SampleValue(scrape, "kanarya_time_to_rollback_seconds_count"), 1);
  EXPECT_DOUBLE_EQ(SampleValue(scrape, "kanarya_time_to_rollback_seconds_sum"),
                   absl::ToDoubleSeconds(rolled_back - step_start));
  // Time to decision of the same rollout counts from its first traffic move.
  EXPECT_DOUBLE_EQ(
      SampleValue(scrape, "kanarya_time_to_decision_seconds_sum{outcome=\"rolled_back\"}"),
      absl::ToDoubleSeconds(rolled_back - first_move));
}

TEST_F(TelemetryScrapeTest, AMetricWithoutStateHasNoStateSeries) {
  store::Mutation mutation;
  mutation.rollout.set_name("fresh");
  *mutation.rollout.mutable_spec() = testing::TestRolloutSpec();
  mutation.rollout.mutable_status()->set_phase(v1::PHASE_PROGRESSING);
  v1::SequentialMetricResult& metric = *mutation.rollout.mutable_status()->add_metrics();
  metric.set_name("errors");
  metric.set_regression_evidence(1);
  ASSERT_TRUE(memory.Commit(mutation, /*new_rollout=*/true).ok());
  const std::string scrape = Scrape();
  const std::string series =
      absl::StrCat("namespace=\"", mutation.rollout.spec().target().namespace_(),
                   "\",rollout=\"fresh\",metric=\"errors\"");
  EXPECT_EQ(SampleValue(scrape, absl::StrCat("kanarya_metric_evidence{", series, "}")), 1);
  EXPECT_FALSE(absl::StrContains(scrape, "kanarya_metric_state{"))
      << "an unspecified state is no state, not no_data";
}

TEST_F(TelemetryScrapeTest, StoreCommitsAreTimedAndFailedOnesCountNoDecision) {
  store::Mutation mutation;
  mutation.rollout.set_name("absent");
  mutation.rollout.mutable_status()->set_phase(v1::PHASE_SUCCEEDED);
  v1::RolloutEvent& event = mutation.events.emplace_back();
  event.set_type(v1::EVENT_TYPE_PHASE_CHANGED);
  event.set_phase_before(v1::PHASE_PROMOTING);
  event.set_phase_after(v1::PHASE_SUCCEEDED);
  InstrumentedStore observed(memory, metrics);
  EXPECT_EQ(observed.Commit(mutation, /*new_rollout=*/false).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(observed.CommitBatch(std::span<const store::Mutation>(&mutation, 1)).status().code(),
            absl::StatusCode::kNotFound);
  const std::string scrape = Scrape();
  EXPECT_EQ(SampleValue(scrape, "kanarya_store_commit_duration_seconds_count"), 2);
  EXPECT_EQ(SampleValue(scrape, "kanarya_decisions_total{outcome=\"succeeded\"}"), 0);
}

TEST_F(TelemetryScrapeTest, ProviderQueriesAreTimedAndErrorsCountedByCode) {
  auto fake = std::make_unique<testing::FakeMetricProvider>(
      [](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
        if (query.expression == "timeout") return absl::DeadlineExceededError("slow");
        return metrics::QueryResult{};
      });
  InstrumentedProvider provider("prometheus", std::move(fake), metrics);
  const metrics::Query queries[] = {
      {.expression = "up"}, {.expression = "timeout"}, {.expression = "timeout"}};
  const auto results = provider.Run(queries);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].status().message(), "slow");
  const std::string scrape = Scrape();
  EXPECT_EQ(
      SampleValue(scrape, "kanarya_provider_query_duration_seconds_count{provider=\"prometheus\"}"),
      1);
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_provider_errors_total{code=\"deadline_exceeded\","
                        "provider=\"prometheus\"}"),
            2);
}

TEST_F(TelemetryScrapeTest, GrpcCallsAreCountedByMethodAndCode) {
  api::JudgeService judge;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<GrpcMetricsInterceptorFactory>(
      std::vector<std::string>{"grpc.health.v1.Health"}, metrics));
  auto server = api::GrpcServer::Start(
      "127.0.0.1:0", {{v1::JudgeService::service_full_name(), &judge}}, std::move(interceptors));
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials()));
  for (const char* service : {"", "", "no.such.Service"}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    stub->Check(&context, request, &response);
  }
  // A method outside the named services is counted as "other".
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::JudgeRequest request;
    v1::JudgeResponse response;
    v1::JudgeService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                                  grpc::InsecureChannelCredentials()))
        ->Judge(&context, request, &response);
  }
  (*server)->Shutdown(absl::ZeroDuration());
  const std::string scrape = Scrape();
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_grpc_requests_total{code=\"ok\","
                        "method=\"/grpc.health.v1.Health/Check\"}"),
            2);
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_grpc_requests_total{code=\"not_found\","
                        "method=\"/grpc.health.v1.Health/Check\"}"),
            1);
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_grpc_requests_total{code=\"invalid_argument\","
                        "method=\"other\"}"),
            1);
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_grpc_request_duration_seconds_count{method=\"/"
                        "grpc.health.v1.Health/Check\"}"),
            3);
}

TEST_F(TelemetryScrapeTest, KubernetesErrorsAreCountedByOperationAndCode) {
  lab::KubeApiEmulator api;
  api.AddToken("reader", /*can_write=*/false);
  kube::KubeClient client(lab::KubeTokenConfig(api.url(), "reader"),
                          KubernetesErrorCounter(metrics));
  const kube::ObjectRef reviews{"networking.istio.io", "v1", "virtualservices", "shop", "reviews"};
  const kube::ObjectRef event{"", "v1", "events", "shop", ""};
  EXPECT_EQ(client.Get(reviews).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client.Get(reviews).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(client.MergePatch(reviews, nlohmann::json::object()).ok());
  EXPECT_FALSE(client.Create(event, nlohmann::json{{"metadata", {{"name", "reviews.1"}}}}).ok());
  EXPECT_TRUE(client.ServedVersions("networking.istio.io").ok());  // a success counts nothing
  const std::string scrape = Scrape();
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_kubernetes_errors_total{code=\"not_found\","
                        "operation=\"get_virtual_service\"}"),
            2);
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_kubernetes_errors_total{code=\"permission_denied\","
                        "operation=\"patch_virtual_service\"}"),
            1);
  EXPECT_EQ(SampleValue(scrape,
                        "kanarya_kubernetes_errors_total{code=\"permission_denied\","
                        "operation=\"create_event\"}"),
            1);
  EXPECT_FALSE(absl::StrContains(scrape, "discover_api_group"));
}

TEST_F(TelemetryScrapeTest, ScrapeAfterARolloutPassesPromtool) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP()
        << "promtool is not installed (Debian package prometheus, scripts/install-deps.sh)";
  }
  metrics.leader.Set(1);
  const std::string name = *harness.Start(testing::TestRolloutSpec());
  harness.RunUntil(name, [](const v1::Rollout& r) { return r.status().canary_weight() == 10; });
  KubernetesErrorCounter(metrics)("get_virtual_service", absl::UnavailableError("down"));
  const std::string scrape = Scrape();
  EXPECT_EQ(SampleValue(scrape, "kanarya_leader"), 1);
  const std::string file = ::testing::TempDir() + "/kanarya_scrape.prom";
  std::ofstream(file) << scrape;
  const std::string command = absl::StrCat("promtool check metrics < ", file, " 2>&1");
  std::FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output << "\n" << scrape;
  EXPECT_EQ(output, "") << scrape;
}

}  // namespace
}  // namespace kanarya::telemetry
