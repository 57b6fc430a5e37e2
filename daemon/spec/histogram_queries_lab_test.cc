// A histogram metric's bucket query against a real Prometheus holding known
// histograms: each scope's requests per bucket for a tick, the same from a
// range query cut at each tick end (as backtests read it), and the analysis
// rolling back the slower canary from them, also when a release changes the
// canary's buckets mid-rollout.
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

// A release that changes the canary's buckets mid-rollout: its pod "a" with
// the baseline's layout and latencies until sample 12, then pod "b" with the
// buckets 50, 250, 1000 and slower requests. Per 15 s scrape, per bucket.
struct Pod {
  const char* version;
  const char* pod;
  std::vector<std::pair<const char*, int>> per_bucket;
  int first, last;
};
const Pod kLayoutChange[] = {
    {"v1", "a", kBaseline.per_bucket, 0, kSamples - 1},
    {"v2", "a", {{"25", 1}, {"50", 4}, {"100", 3}, {"250", 1}, {"500", 1}, {"+Inf", 0}}, 0, 12},
    {"v2", "b", {{"50", 1}, {"250", 3}, {"1000", 5}, {"+Inf", 1}}, 12, kSamples - 1},
};

class HistogramLayoutChangeLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    t0_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
    std::string text = "# TYPE latency histogram\n";
    for (const Pod& pod : kLayoutChange) {
      int cumulative = 0;
      for (const auto& [le, per_scrape] : pod.per_bucket) {
        cumulative += per_scrape;
        for (int k = pod.first; k <= pod.last; ++k) {
          absl::StrAppend(&text, "latency_bucket{version=\"", pod.version, "\",pod=\"", pod.pod,
                          "\",le=\"", le, "\"} ", cumulative * (k - pod.first), " ",
                          absl::ToUnixSeconds(t0_ + absl::Seconds(15 * k)), "\n");
        }
      }
    }
    auto server = lab::PrometheusServer::Start(text + "# EOF\n");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() { delete server_; }

  static MetricTickResult TickAt(const TickQueryPlan& plan, int k) {
    metrics::PrometheusProvider prometheus(server_->url(), {});
    std::vector<TickQuery> sent;
    std::vector<metrics::Query> batch;
    for (const TickQuery& query : plan.QueriesAt(t0_ + absl::Seconds(15 * k))) {
      if (query.metric_index != 1) continue;
      sent.push_back(query);
      batch.push_back(query.query);
    }
    return plan.Assemble(sent, prometheus.Run(batch))[1];
  }

  static absl::Time t0_;
  static lab::PrometheusServer* server_;
};

absl::Time HistogramLayoutChangeLabTest::t0_;
lab::PrometheusServer* HistogramLayoutChangeLabTest::server_ = nullptr;

TEST_F(HistogramLayoutChangeLabTest, TheAnalysisCarriesOnThroughTheNewLayoutAndRollsBack) {
  const v1::RolloutSpec spec = HistogramSpec();
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Before the change both sides share the baseline's layout; after it, the
  // old pod (still within Prometheus' lookback, adding nothing) and the new
  // one meet on the bounds both have, and the sides on those they share.
  const MetricTickResult before = TickAt(*plan, 8);
  ASSERT_TRUE(before.observation.has_value()) << before.error;
  EXPECT_THAT(before.observation->bucket_bounds(), ElementsAre(25, 50, 100, 250, 500, kInf));
  EXPECT_THAT(before.observation->canary_buckets(), ElementsAre(1, 4, 3, 1, 1, 0));
  const MetricTickResult after = TickAt(*plan, 20);
  ASSERT_TRUE(after.observation.has_value()) << after.error;
  EXPECT_THAT(after.observation->bucket_bounds(), ElementsAre(50, 250, kInf));
  EXPECT_THAT(after.observation->baseline_buckets(), ElementsAre(50, 45, 5));
  EXPECT_THAT(after.observation->canary_buckets(), ElementsAre(1, 3, 6));

  v1::AnalysisSpec analysis = spec.analysis();
  analysis.mutable_metrics()->DeleteSubrange(0, 1);  // only the histogram,
  analysis.mutable_metrics(0)->set_critical(true);   // which must show it is good
  analysis::AnalysisSession session(analysis);
  int tick = 1;
  for (; tick < kSamples && session.decision() == v1::DECISION_CONTINUE; ++tick) {
    const MetricTickResult result = TickAt(*plan, tick);
    ASSERT_TRUE(result.observation.has_value()) << result.error;
    v1::Tick observed;
    (*observed.mutable_metrics())["latency"] = *result.observation;
    ASSERT_TRUE(analysis::ValidateTick(observed, analysis, "tick").ok());
    session.Observe(observed);
  }
  // The canary like the baseline until sample 12 is not rolled back then;
  // the slower release after it is, on the bounds the first tick had that
  // the new layout still reports.
  EXPECT_EQ(session.decision(), v1::DECISION_ROLLBACK) << session.reason();
  EXPECT_GT(tick, 13);
  EXPECT_LT(tick, 25);
}

}  // namespace
}  // namespace kanarya::spec
