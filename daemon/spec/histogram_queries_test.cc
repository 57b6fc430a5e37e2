// A histogram metric in a rollout spec: its bucket query validated, rendered
// per scope, and each side's answer assembled into the tick's bucket counts
// on the bounds both sides reported. Against a real Prometheus in
// histogram_queries_lab_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "daemon/spec/rollout_validation.h"
#include "daemon/spec/spec_test_util.h"
#include "daemon/spec/tick_queries.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kTickEnd = absl::FromUnixSeconds(1'800'000'000);
constexpr double kInf = std::numeric_limits<double>::infinity();

// The test spec with its latency metric as a histogram.
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

// `sum by (le) (...)`: one series per (le, cumulative count).
metrics::QueryResult ByLe(const std::vector<std::pair<std::string, double>>& values) {
  metrics::QueryResult result{.type = metrics::ResultType::kVector};
  for (const auto& [le, value] : values) {
    result.series.push_back({.labels = {{"le", le}}, .samples = {{kTickEnd, value}}});
  }
  return result;
}

metrics::QueryResult Count(double value) {
  return {.type = metrics::ResultType::kVector, .series = {{.samples = {{kTickEnd, value}}}}};
}

class HistogramQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(HistogramSpec());
    ASSERT_TRUE(plan.ok()) << plan.status();
    plan_.emplace(*std::move(plan));
    queries_ = plan_->QueriesAt(kTickEnd);
  }

  // The histogram metric's result, its two bucket queries answered with
  // `baseline` and `canary` (the errors metric gets plain counts).
  MetricTickResult Latency(absl::StatusOr<metrics::QueryResult> baseline,
                           absl::StatusOr<metrics::QueryResult> canary) const {
    std::vector<absl::StatusOr<metrics::QueryResult>> results = {
        Count(1), Count(100), Count(1), Count(10), std::move(baseline), std::move(canary)};
    return plan_->Assemble(queries_, results)[1];
  }

  std::optional<TickQueryPlan> plan_;
  std::vector<TickQuery> queries_;
};

TEST_F(HistogramQueriesTest, TheBucketQueryIsRenderedForEachScope) {
  ASSERT_EQ(queries_.size(), 6u);
  EXPECT_EQ(queries_[4].role, QueryRole::kBuckets);
  EXPECT_EQ(queries_[4].side, Side::kBaseline);
  EXPECT_EQ(queries_[4].query.expression,
            R"((latency_bucket{version="v1"} - latency_bucket{version="v1"} offset 15s) >= 0)");
  EXPECT_EQ(queries_[5].query.expression,
            R"((latency_bucket{version="v2"} - latency_bucket{version="v2"} offset 15s) >= 0)");
  // Histograms learn nothing from the baseline's history.
  EXPECT_TRUE(plan_->BaselineHistoryQueries(kTickEnd - absl::Minutes(5), kTickEnd).empty());
}

TEST_F(HistogramQueriesTest, EachSidesBucketsOnTheBoundsBothReported) {
  // The canary reports a bound at 500 the baseline lacks: both on 50, 100,
  // 250, +Inf, the canary's (250, 500] and (500, +Inf] requests in one bucket.
  const MetricTickResult result =
      Latency(ByLe({{"50", 40}, {"100", 120}, {"250", 140}, {"+Inf", 144}}),
              ByLe({{"50", 4}, {"100", 12}, {"250", 16}, {"500", 19}, {"+Inf", 20}}));
  ASSERT_TRUE(result.error.ok()) << result.error;
  ASSERT_TRUE(result.observation.has_value());
  EXPECT_THAT(result.observation->bucket_bounds(), ElementsAre(50, 100, 250, kInf));
  EXPECT_THAT(result.observation->baseline_buckets(), ElementsAre(40, 80, 20, 4));
  EXPECT_THAT(result.observation->canary_buckets(), ElementsAre(4, 8, 4, 4));
  EXPECT_FALSE(result.canary_value.has_value());
}

TEST_F(HistogramQueriesTest, NoDataOnASideIsNoDataAndAFailureIsAnError) {
  const MetricTickResult empty = Latency(ByLe({{"50", 1}, {"+Inf", 2}}), ByLe({}));
  EXPECT_TRUE(empty.error.ok());
  EXPECT_FALSE(empty.observation.has_value());
  const MetricTickResult failed =
      Latency(absl::UnavailableError("down"), ByLe({{"50", 1}, {"+Inf", 2}}));
  EXPECT_EQ(failed.error.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failed.error.message(), "metric \"latency\", baseline bucket_query: down");
  EXPECT_FALSE(failed.observation.has_value());
  const MetricTickResult no_le = Latency(ByLe({{"50", 1}, {"+Inf", 2}}), Count(3));
  EXPECT_EQ(no_le.error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_le.error.message(), HasSubstr("canary bucket_query: a series of the bucket "
                                               "query has no le label"));
}

TEST(HistogramSpecValidation, TheBucketQueryIsRequiredAndTheOthersRefused) {
  EXPECT_TRUE(ValidateRolloutSpec(HistogramSpec(), {"prometheus"}).ok());
  v1::RolloutSpec missing = HistogramSpec();
  missing.mutable_analysis()->mutable_metrics(1)->mutable_source()->clear_bucket_query();
  EXPECT_THAT(ValidateRolloutSpec(missing, {"prometheus"}).message(),
              HasSubstr("analysis.metrics[1].source.bucket_query: required for a histogram "
                        "metric"));
  v1::RolloutSpec both = HistogramSpec();
  both.mutable_analysis()->mutable_metrics(1)->mutable_source()->set_value_query("up");
  EXPECT_THAT(ValidateRolloutSpec(both, {"prometheus"}).message(),
              HasSubstr("analysis.metrics[1].source.value_query: must be empty for a histogram "
                        "metric"));
  v1::RolloutSpec guarded = HistogramSpec();
  guarded.mutable_analysis()->mutable_metrics(1)->mutable_guardrail()->set_max(500);
  EXPECT_THAT(ValidateRolloutSpec(guarded, {"prometheus"}).message(),
              HasSubstr("analysis.metrics[1].guardrail: a histogram metric has no single value "
                        "to bound"));
  v1::RolloutSpec count_with_buckets = ValidSpec();
  count_with_buckets.mutable_analysis()->mutable_metrics(0)->mutable_source()->set_bucket_query(
      "x");
  EXPECT_THAT(ValidateRolloutSpec(count_with_buckets, {"prometheus"}).message(),
              HasSubstr("analysis.metrics[0].source.bucket_query: must be empty for a count "
                        "metric"));
}

}  // namespace
}  // namespace kanarya::spec
