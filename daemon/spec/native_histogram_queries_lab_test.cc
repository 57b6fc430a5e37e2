// A histogram metric whose bucket query reads a native histogram, against a
// real Prometheus 2.42 scraping the lab's protobuf exporter: each scope's
// requests per bucket for a tick, from the raw samples and from increase();
// the same from a range query cut at each tick end (as backtests read it);
// and the analysis rolling the slower canary back through a change of its
// schema mid-rollout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "analysis/analysis_session.h"
#include "analysis/analysis_validation.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/spec/spec_test_util.h"
#include "daemon/spec/tick_queries.h"
#include "tests/lab/native_histogram_exporter.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kSamples = 41;  // 15 s apart, the spec's tick interval

// Per 15 s scrape, in milliseconds: the baseline (v1, schema 2) 100 requests
// (64, 128] 90, (128, 256] 10 on powers of two; the slower canary (v2) 10,
// half of them above 128 ms, at schema 2 until sample 2 and at schema 0
// from there (a release that changes the resolution mid-rollout).
std::vector<lab::NativeHistogramSample> Samples(absl::Time t0) {
  std::vector<lab::NativeHistogramSample> samples;
  for (int k = 0; k < kSamples; ++k) {
    const uint64_t n = k;
    const absl::Time at = t0 + absl::Seconds(15 * k);
    samples.push_back(
        {.labels = {{"version", "v1"}, {"pod", "a"}},
         .time = at,
         .schema = 2,
         .positive = {{25, 10 * n}, {26, 30 * n}, {27, 30 * n}, {28, 20 * n}, {30, 10 * n}}});
    lab::NativeHistogramSample canary{.labels = {{"version", "v2"}, {"pod", "a"}}, .time = at};
    if (k < 2) {
      canary.schema = 2;
      canary.positive = {{27, 2 * n}, {28, 3 * n}, {30, 3 * n}, {32, 2 * n}};
    } else {
      canary.schema = 0;
      canary.positive = {{7, 5 * n}, {8, 5 * n}};
    }
    samples.push_back(canary);
  }
  return samples;
}

// The test spec with its latency metric a histogram read by `bucket_query`.
v1::RolloutSpec NativeSpec(const std::string& bucket_query) {
  v1::RolloutSpec spec = ValidSpec();
  v1::MetricSpec& latency = *spec.mutable_analysis()->mutable_metrics(1);
  latency.set_kind(v1::METRIC_KIND_HISTOGRAM);
  latency.clear_guardrail();
  latency.mutable_source()->clear_value_query();
  latency.mutable_source()->set_bucket_query(bucket_query);
  return spec;
}

const char kRawSamples[] = R"(latency_ms{version="{{version}}"}[{{window}}])";
const char kIncrease[] = R"(increase(latency_ms{version="{{version}}"}[{{window}}]))";

class NativeHistogramQueriesLabTest : public ::testing::Test {
 protected:
  // A lab that did not start fails every test in SetUp, before the test
  // body can reach a missing server.
  static void SetUpTestSuite() { lab_error_ = new std::string(StartLab()); }
  void SetUp() override {
    ASSERT_TRUE(lab_error_ != nullptr && lab_error_->empty() && server_ != nullptr)
        << "the Prometheus lab did not start: "
        << (lab_error_ != nullptr ? *lab_error_ : "no SetUpTestSuite");
  }

  // Starts the exporter and Prometheus and waits for the first scrapes; the
  // reason when it cannot, else "".
  static std::string StartLab() {
    t0_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Minutes(20)) / 60 * 60);
    exporter_ = new lab::NativeHistogramExporter("latency_ms", Samples(t0_));
    auto server = lab::PrometheusServer::Start("# EOF\n", exporter_->target(), absl::Seconds(1),
                                               {"native-histograms"});
    if (!server.ok()) return server.status().ToString();
    server_ = server->release();
    metrics::PrometheusProvider prometheus(server_->url(), {});
    const absl::Time last = t0_ + absl::Seconds(15 * (kSamples - 1));
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto result =
          prometheus.Run(metrics::Query{.expression = "latency_ms", .start = last, .end = last});
      if (result.ok() && result->series.size() == 2) return "";
      absl::SleepFor(absl::Milliseconds(200));
    }
    return "Prometheus did not scrape the native histograms in 20 s";
  }
  static void TearDownTestSuite() {
    delete server_;
    delete exporter_;
    delete lab_error_;
    server_ = nullptr;
    exporter_ = nullptr;
    lab_error_ = nullptr;
  }

  // The latency metric's queries (the histogram's two) from `queries`, run.
  static std::pair<std::vector<TickQuery>, std::vector<absl::StatusOr<metrics::QueryResult>>>
  RunLatency(const std::vector<TickQuery>& queries) {
    metrics::PrometheusProvider prometheus(server_->url(), {});
    std::vector<TickQuery> sent;
    std::vector<metrics::Query> batch;
    for (const TickQuery& query : queries) {
      if (query.metric_index != 1) continue;
      sent.push_back(query);
      batch.push_back(query.query);
    }
    return {sent, prometheus.Run(batch)};
  }

  static absl::Time At(int k) { return t0_ + absl::Seconds(15 * k); }

  static absl::Time t0_;
  static lab::NativeHistogramExporter* exporter_;
  static lab::PrometheusServer* server_;
  static std::string* lab_error_;
};

absl::Time NativeHistogramQueriesLabTest::t0_;
lab::NativeHistogramExporter* NativeHistogramQueriesLabTest::exporter_ = nullptr;
lab::PrometheusServer* NativeHistogramQueriesLabTest::server_ = nullptr;
std::string* NativeHistogramQueriesLabTest::lab_error_ = nullptr;

TEST_F(NativeHistogramQueriesLabTest, EachScopeGetsItsRequestsPerBucketForTheTick) {
  for (const char* query : {kRawSamples, kIncrease}) {
    absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(NativeSpec(query));
    ASSERT_TRUE(plan.ok()) << plan.status();
    for (const int k : {1, 2, 30}) {  // before, across and after the canary's new schema
      const auto [sent, answers] = RunLatency(plan->QueriesAt(At(k)));
      const MetricTickResult result = plan->Assemble(sent, answers)[1];
      ASSERT_TRUE(result.error.ok()) << result.error;
      ASSERT_TRUE(result.observation.has_value()) << query << " " << k;
      EXPECT_THAT(result.observation->bucket_bounds(), ElementsAre(64, 128, 256, kInf)) << query;
      EXPECT_THAT(result.observation->baseline_buckets(), ElementsAre(0, 90, 10, 0)) << query;
      EXPECT_THAT(result.observation->canary_buckets(), ElementsAre(0, 5, 5, 0)) << query;
    }
  }
}

TEST_F(NativeHistogramQueriesLabTest, ARangeAnswerCutAtEachTickEndIsThatTicksBuckets) {
  // A range query needs an instant vector: increase(), not raw samples.
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(NativeSpec(kIncrease));
  ASSERT_TRUE(plan.ok()) << plan.status();
  const auto [range_sent, range_answers] = RunLatency(plan->RangeQueries(At(15), At(25)));
  ASSERT_EQ(range_answers.size(), 2u);
  for (int k = 15; k <= 25; ++k) {
    std::vector<absl::StatusOr<metrics::QueryResult>> cut;
    for (const auto& answer : range_answers) {
      ASSERT_TRUE(answer.ok()) << answer.status();
      cut.push_back(AnswerAt(*answer, At(k)));
    }
    const MetricTickResult from_range = plan->Assemble(range_sent, cut)[1];
    const auto [sent, answers] = RunLatency(plan->QueriesAt(At(k)));
    const MetricTickResult instant = plan->Assemble(sent, answers)[1];
    ASSERT_TRUE(from_range.observation.has_value()) << k;
    ASSERT_TRUE(instant.observation.has_value()) << k;
    EXPECT_EQ(from_range.observation->SerializeAsString(),
              instant.observation->SerializeAsString());
  }
}

TEST_F(NativeHistogramQueriesLabTest, TheAnalysisRollsTheSlowerCanaryBack) {
  const v1::RolloutSpec spec = NativeSpec(kRawSamples);
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  v1::AnalysisSpec analysis = spec.analysis();
  analysis.mutable_metrics()->DeleteSubrange(0, 1);  // only the histogram,
  analysis.mutable_metrics(0)->set_critical(true);   // which must show it is good
  analysis::AnalysisSession session(analysis);
  int tick = 1;
  for (; tick < kSamples && session.decision() == v1::DECISION_CONTINUE; ++tick) {
    const auto [sent, answers] = RunLatency(plan->QueriesAt(At(tick)));
    const MetricTickResult result = plan->Assemble(sent, answers)[1];
    ASSERT_TRUE(result.observation.has_value()) << result.error;
    v1::Tick observed;
    (*observed.mutable_metrics())["latency"] = *result.observation;
    ASSERT_TRUE(analysis::ValidateTick(observed, analysis, "tick").ok());
    session.Observe(observed);
  }
  EXPECT_EQ(session.decision(), v1::DECISION_ROLLBACK) << session.reason();
  EXPECT_LT(tick, 20);
}

}  // namespace
}  // namespace kanarya::spec
