// A histogram metric's bucket query against a real Prometheus holding known
// histograms: each scope's requests per bucket for a tick, the same from a
// range query cut at each tick end (as backtests read it), and the analysis
// rolling back the slower canary from them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analysis/analysis_session.h"
#include "analysis/analysis_validation.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/spec/spec_test_util.h"
#include "daemon/spec/tick_queries.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kSamples = 41;  // 15 s apart: ten minutes

// Per 15 s scrape, the requests per bucket of each version's one pod: the
// canary (v2) slower, with a bound at 1000 the baseline (v1) lacks.
struct Version {
  const char* name;
  std::vector<std::pair<const char*, int>> per_bucket;
};
const Version kBaseline{
    "v1", {{"25", 10}, {"50", 40}, {"100", 35}, {"250", 10}, {"500", 4}, {"+Inf", 1}}};
const Version kCanary{
    "v2", {{"25", 0}, {"50", 2}, {"100", 3}, {"250", 3}, {"500", 1}, {"1000", 1}, {"+Inf", 0}}};

std::string OpenMetrics(absl::Time t0) {
  std::string text = "# TYPE latency histogram\n";
  for (const Version& version : {kBaseline, kCanary}) {
    int cumulative = 0;
    for (const auto& [le, per_scrape] : version.per_bucket) {
      cumulative += per_scrape;
      for (int k = 0; k < kSamples; ++k) {
        absl::StrAppend(&text, "latency_bucket{version=\"", version.name, "\",pod=\"a\",le=\"", le,
                        "\"} ", cumulative * k, " ",
                        absl::ToUnixSeconds(t0 + absl::Seconds(15 * k)), "\n");
      }
    }
  }
  return text + "# EOF\n";
}

// The test spec with its latency metric a histogram of `latency_bucket`.
v1::RolloutSpec HistogramSpec() {
  v1::RolloutSpec spec = ValidSpec();
  v1::MetricSpec& latency = *spec.mutable_analysis()->mutable_metrics(1);
  latency.set_kind(v1::METRIC_KIND_HISTOGRAM);
  latency.clear_guardrail();
  latency.mutable_source()->clear_value_query();
  latency.mutable_source()->set_bucket_query(
      R"((latency_bucket{version="{{version}}"} - latency_bucket{version="{{version}}"} )"
      R"(offset {{window}}) >= 0)");
  return spec;
}

class HistogramQueriesLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    t0_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
    auto server = lab::PrometheusServer::Start(OpenMetrics(t0_));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() { delete server_; }

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

  static absl::Time t0_;
  static lab::PrometheusServer* server_;
};

absl::Time HistogramQueriesLabTest::t0_;
lab::PrometheusServer* HistogramQueriesLabTest::server_ = nullptr;

TEST_F(HistogramQueriesLabTest, EachScopeGetsItsRequestsPerBucketForTheTick) {
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(HistogramSpec());
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Each bucket counter at t less its value 15 s earlier: one scrape's requests.
  const auto [sent, answers] = RunLatency(plan->QueriesAt(t0_ + absl::Seconds(15 * 20)));
  const MetricTickResult result = plan->Assemble(sent, answers)[1];
  ASSERT_TRUE(result.error.ok()) << result.error;
  ASSERT_TRUE(result.observation.has_value());
  // The canary's bound at 1000 is not the baseline's: its (500, 1000] and
  // (1000, +Inf] requests share one bucket.
  EXPECT_THAT(result.observation->bucket_bounds(), ElementsAre(25, 50, 100, 250, 500, kInf));
  EXPECT_THAT(result.observation->baseline_buckets(), ElementsAre(10, 40, 35, 10, 4, 1));
  EXPECT_THAT(result.observation->canary_buckets(), ElementsAre(0, 2, 3, 3, 1, 1));
}

TEST_F(HistogramQueriesLabTest, ARangeAnswerCutAtEachTickEndIsThatTicksBuckets) {
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(HistogramSpec());
  ASSERT_TRUE(plan.ok()) << plan.status();
  const absl::Time first = t0_ + absl::Seconds(15 * 10);
  const absl::Time last = t0_ + absl::Seconds(15 * 20);
  const auto [range_sent, range_answers] = RunLatency(plan->RangeQueries(first, last));
  ASSERT_EQ(range_answers.size(), 2u);
  for (absl::Time tick_end = first; tick_end <= last; tick_end += absl::Seconds(15)) {
    std::vector<absl::StatusOr<metrics::QueryResult>> cut;
    for (const auto& answer : range_answers) {
      ASSERT_TRUE(answer.ok()) << answer.status();
      cut.push_back(AnswerAt(*answer, tick_end));
    }
    const MetricTickResult from_range = plan->Assemble(range_sent, cut)[1];
    const auto [sent, answers] = RunLatency(plan->QueriesAt(tick_end));
    const MetricTickResult instant = plan->Assemble(sent, answers)[1];
    ASSERT_TRUE(from_range.observation.has_value());
    ASSERT_TRUE(instant.observation.has_value());
    EXPECT_EQ(from_range.observation->SerializeAsString(),
              instant.observation->SerializeAsString());
  }
}

TEST_F(HistogramQueriesLabTest, TheAnalysisRollsTheSlowerCanaryBack) {
  const v1::RolloutSpec spec = HistogramSpec();
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  v1::AnalysisSpec analysis = spec.analysis();
  analysis.mutable_metrics()->DeleteSubrange(0, 1);  // only the histogram,
  analysis.mutable_metrics(0)->set_critical(true);   // which must show it is good
  analysis::AnalysisSession session(analysis);
  int tick = 1;
  for (; tick < kSamples && session.decision() == v1::DECISION_CONTINUE; ++tick) {
    const auto [sent, answers] = RunLatency(plan->QueriesAt(t0_ + absl::Seconds(15 * tick)));
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
