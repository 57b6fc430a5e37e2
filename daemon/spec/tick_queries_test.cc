#include "daemon/spec/tick_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>

#include "daemon/spec/spec_test_util.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kTickEnd = absl::FromUnixSeconds(1'800'000'000);

metrics::QueryResult Vector(std::initializer_list<double> values) {
  metrics::QueryResult result{.type = metrics::ResultType::kVector};
  int pod = 0;
  for (const double value : values) {
    result.series.push_back({.labels = {{"pod", absl::StrCat("p", pod++)}},
                             .samples = {{.time = kTickEnd, .value = value}}});
  }
  return result;
}

class TickQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(ValidSpec());
    ASSERT_TRUE(plan.ok()) << plan.status();
    plan_.emplace(*std::move(plan));
    queries_ = plan_->QueriesAt(kTickEnd);
  }

  // Answers the test spec's six queries: errors (events, total) for the
  // baseline then the canary, then latency for the baseline and the canary.
  std::vector<MetricTickResult> Answer(
      std::vector<absl::StatusOr<metrics::QueryResult>> results) const {
    EXPECT_EQ(results.size(), queries_.size());
    return plan_->Assemble(queries_, results);
  }

  std::optional<TickQueryPlan> plan_;
  std::vector<TickQuery> queries_;
};

TEST_F(TickQueriesTest, RendersEachSideAsAnInstantQueryAtTheTickEnd) {
  ASSERT_EQ(queries_.size(), 6u);
  const struct {
    int metric;
    Side side;
    QueryRole role;
    const char* expression;
  } expected[] = {
      {0, Side::kBaseline, QueryRole::kEvents,
       R"(sum(increase(requests_total{cluster="eu-1",workload="checkout-v1",code=~"5.."}[15s])))"},
      {0, Side::kBaseline, QueryRole::kTotal,
       R"(sum(increase(requests_total{cluster="eu-1",workload="checkout-v1"}[15s])))"},
      {0, Side::kCanary, QueryRole::kEvents,
       R"(sum(increase(requests_total{cluster="eu-1",workload="checkout-v2",code=~"5.."}[15s])))"},
      {0, Side::kCanary, QueryRole::kTotal,
       R"(sum(increase(requests_total{cluster="eu-1",workload="checkout-v2"}[15s])))"},
      {1, Side::kBaseline, QueryRole::kValue,
       R"(avg by (pod) (rate(latency_sum{version="v1"}[15s])))"},
      {1, Side::kCanary, QueryRole::kValue,
       R"(avg by (pod) (rate(latency_sum{version="v2"}[15s])))"},
  };
  for (size_t i = 0; i < queries_.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(queries_[i].metric_index, expected[i].metric);
    EXPECT_EQ(queries_[i].side, expected[i].side);
    EXPECT_EQ(queries_[i].role, expected[i].role);
    EXPECT_EQ(queries_[i].provider, "prometheus");
    EXPECT_EQ(queries_[i].query.expression, expected[i].expression);
    EXPECT_EQ(queries_[i].query.start, kTickEnd);
    EXPECT_EQ(queries_[i].query.end, kTickEnd);
    EXPECT_EQ(queries_[i].query.timeout, absl::Seconds(15));
  }
  EXPECT_EQ(plan_->tick_interval(), absl::Seconds(15));
  // The next tick: the same expressions at its own end.
  const std::vector<TickQuery> next = plan_->QueriesAt(kTickEnd + absl::Seconds(15));
  EXPECT_EQ(next[3].query.expression, queries_[3].query.expression);
  EXPECT_EQ(next[3].query.end, kTickEnd + absl::Seconds(15));
}

TEST_F(TickQueriesTest, ASideVariableWinsAndValuesAreEscaped) {
  v1::RolloutSpec spec = ValidSpec();
  (*spec.mutable_scopes()->mutable_canary()->mutable_variables())["cluster"] = R"(eu"-2)";
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<TickQuery> queries = plan->QueriesAt(kTickEnd);
  EXPECT_THAT(queries[1].query.expression, HasSubstr(R"(cluster="eu-1")"));
  EXPECT_THAT(queries[3].query.expression, HasSubstr(R"(cluster="eu\"-2")"));
}

TEST_F(TickQueriesTest, CountsAreRoundedAndContinuousSeriesAreSamples) {
  const std::vector<MetricTickResult> results =
      Answer({Vector({2.4}), Vector({1000.6}), Vector({0.5}), Vector({99.49}),
              Vector({0.25, NAN, 0.75}), Vector({0.5, 1.5})});
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0].error.ok()) << results[0].error;
  ASSERT_TRUE(results[0].observation.has_value());
  EXPECT_EQ(results[0].observation->baseline_events(), 2);
  EXPECT_EQ(results[0].observation->baseline_total(), 1001);
  EXPECT_EQ(results[0].observation->canary_events(), 1);  // half away from zero
  EXPECT_EQ(results[0].observation->canary_total(), 99);
  EXPECT_DOUBLE_EQ(*results[0].canary_value, 1.0 / 99);

  ASSERT_TRUE(results[1].error.ok()) << results[1].error;
  ASSERT_TRUE(results[1].observation.has_value());
  EXPECT_THAT(results[1].observation->baseline(), ElementsAre(0.25, 0.75));  // NaN dropped
  EXPECT_THAT(results[1].observation->canary(), ElementsAre(0.5, 1.5));
  EXPECT_DOUBLE_EQ(*results[1].canary_value, 1.0);
}

TEST_F(TickQueriesTest, SeriesOfACountAreSummedAndNegativesClampedAtZero) {
  const std::vector<MetricTickResult> results = Answer(
      {Vector({-0.3}), Vector({40, 60.2}), Vector({-7}), Vector({-2}), Vector({1}), Vector({1})});
  // The canary's total clamps to 0: no traffic, no data; the baseline is data.
  EXPECT_TRUE(results[0].error.ok()) << results[0].error;
  EXPECT_FALSE(results[0].observation.has_value());
  EXPECT_FALSE(results[0].canary_value.has_value());

  const std::vector<MetricTickResult> summed =
      Answer({Vector({-0.3}), Vector({40, 60.2}), Vector({1, 2}), Vector({10, 20}), Vector({1}),
              Vector({1})});
  ASSERT_TRUE(summed[0].observation.has_value());
  EXPECT_EQ(summed[0].observation->baseline_events(), 0);
  EXPECT_EQ(summed[0].observation->baseline_total(), 100);
  EXPECT_EQ(summed[0].observation->canary_events(), 3);
  EXPECT_EQ(summed[0].observation->canary_total(), 30);
  EXPECT_DOUBLE_EQ(*summed[0].canary_value, 0.1);
}

TEST_F(TickQueriesTest, EventsAboveTheTotalAreADataError) {
  const std::vector<MetricTickResult> results =
      Answer({Vector({5}), Vector({10}), Vector({12}), Vector({10}), Vector({1}), Vector({1})});
  EXPECT_EQ(results[0].error.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(results[0].error.message(), "metric \"errors\", canary: events 12 exceed the total 10");
  EXPECT_FALSE(results[0].observation.has_value());
  EXPECT_FALSE(results[0].canary_value.has_value());
  EXPECT_TRUE(results[1].error.ok());  // the other metric is unaffected
  EXPECT_TRUE(results[1].observation.has_value());
}

TEST_F(TickQueriesTest, NaNAndEmptyResultsAreNoData) {
  const metrics::QueryResult empty{.type = metrics::ResultType::kVector};
  // NaN total on the baseline; an empty canary value vector.
  std::vector<MetricTickResult> results =
      Answer({Vector({1}), Vector({NAN}), Vector({1}), Vector({10}), Vector({1}), empty});
  EXPECT_TRUE(results[0].error.ok());
  EXPECT_FALSE(results[0].observation.has_value());
  EXPECT_DOUBLE_EQ(*results[0].canary_value, 0.1);  // the guardrail still sees the canary
  EXPECT_EQ(results[0].canary_requests, 10);        // and how many requests it is made of
  EXPECT_TRUE(results[1].error.ok());
  EXPECT_FALSE(results[1].observation.has_value());
  EXPECT_FALSE(results[1].canary_value.has_value());

  // No total series is no data; all-NaN values are no data.
  results = Answer({Vector({1}), Vector({10}), empty, empty, Vector({NAN}), Vector({1})});
  EXPECT_FALSE(results[0].observation.has_value());
  EXPECT_FALSE(results[0].canary_value.has_value());
  EXPECT_FALSE(results[1].observation.has_value());
  EXPECT_DOUBLE_EQ(*results[1].canary_value, 1);

  // NaN events on the canary is no data too.
  results =
      Answer({Vector({1}), Vector({10}), Vector({NAN}), Vector({10}), Vector({1}), Vector({1})});
  EXPECT_TRUE(results[0].error.ok());
  EXPECT_FALSE(results[0].observation.has_value());
}

TEST_F(TickQueriesTest, NoEventsSeriesBesideATotalIsZeroEvents) {
  // Prometheus has no 5xx series for a service that never failed: an empty
  // events answer next to a total is 0 events, not missing data.
  const metrics::QueryResult empty{.type = metrics::ResultType::kVector};
  const std::vector<MetricTickResult> results =
      Answer({empty, Vector({50}), empty, Vector({5}), Vector({1}), Vector({1})});
  ASSERT_TRUE(results[0].observation.has_value());
  EXPECT_EQ(results[0].observation->baseline_events(), 0);
  EXPECT_EQ(results[0].observation->baseline_total(), 50);
  EXPECT_EQ(results[0].observation->canary_events(), 0);
  EXPECT_EQ(results[0].observation->canary_total(), 5);
  EXPECT_DOUBLE_EQ(*results[0].canary_value, 0);
}

TEST_F(TickQueriesTest, AnErrorOnOneSideIsAnErrorNeverData) {
  const std::vector<MetricTickResult> results =
      Answer({Vector({1}), Vector({10}), absl::UnavailableError("connection refused"), Vector({10}),
              Vector({1}), absl::DeadlineExceededError("took 15s")});
  EXPECT_EQ(results[0].error.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(results[0].error.message(),
            "metric \"errors\", canary events_query: connection refused");
  EXPECT_FALSE(results[0].observation.has_value());
  EXPECT_FALSE(results[0].canary_value.has_value());
  EXPECT_EQ(results[1].error.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(results[1].observation.has_value());
  EXPECT_FALSE(results[1].canary_value.has_value());
}

TEST_F(TickQueriesTest, ImplausibleCountsAndWrongResultTypesAreErrors) {
  metrics::QueryResult streams{.type = metrics::ResultType::kStreams};
  metrics::QueryResult matrix = Vector({1, 2});
  matrix.type = metrics::ResultType::kMatrix;
  const std::vector<MetricTickResult> results =
      Answer({Vector({1}), Vector({INFINITY}), Vector({1}), Vector({10}), streams, matrix});
  EXPECT_EQ(results[0].error.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(results[0].error.message(),
            "metric \"errors\", baseline: inf is not a plausible count");
  EXPECT_EQ(results[1].error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(results[1].error.message(),
              HasSubstr("metric \"latency\", baseline value_query: the query returns log lines"));
}

TEST_F(TickQueriesTest, AScalarIsOneValue) {
  metrics::QueryResult scalar = Vector({7});
  scalar.type = metrics::ResultType::kScalar;
  const std::vector<MetricTickResult> results =
      Answer({Vector({1}), Vector({10}), Vector({1}), Vector({10}), scalar, scalar});
  ASSERT_TRUE(results[1].observation.has_value());
  EXPECT_THAT(results[1].observation->canary(), ElementsAre(7));
}

TEST_F(TickQueriesTest, AMetricWhoseQueriesWereNotSentHasNoData) {
  // The engine may send only some metrics' queries (after an initial delay,
  // a provider known to be down): the others have neither data nor error.
  const std::span<const TickQuery> first_two(queries_.data(), 2);
  const std::vector<absl::StatusOr<metrics::QueryResult>> answers = {Vector({1}), Vector({10})};
  const std::vector<MetricTickResult> results = plan_->Assemble(first_two, answers);
  ASSERT_EQ(results.size(), 2u);
  for (const MetricTickResult& result : results) {
    EXPECT_TRUE(result.error.ok());
    EXPECT_FALSE(result.observation.has_value());
  }
}

TEST_F(TickQueriesTest, MakeNamesTheFieldOfABadTemplate) {
  v1::RolloutSpec spec = ValidSpec();
  spec.mutable_analysis()->mutable_metrics(0)->mutable_source()->set_total_query("up{{");
  const absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(spec);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(plan.status().message(),
            "analysis.metrics[0].source.total_query: unclosed {{ at offset 2");
}

// A range answer: one series per pod, its samples at the given tick ends.
metrics::QueryResult Matrix(const std::vector<std::vector<std::pair<absl::Time, double>>>& pods) {
  metrics::QueryResult result{.type = metrics::ResultType::kMatrix};
  int pod = 0;
  for (const auto& samples : pods) {
    metrics::Series& series = result.series.emplace_back();
    series.labels = {{"pod", absl::StrCat("p", pod++)}};
    for (const auto& [time, value] : samples) series.samples.push_back({time, value});
  }
  return result;
}

TEST_F(TickQueriesTest, RangeQueriesAreTheTickQueriesOverTheTickEnds) {
  const absl::Time first = kTickEnd - absl::Seconds(15 * 20);
  const std::vector<TickQuery> ranges = plan_->RangeQueries(first, kTickEnd);
  ASSERT_EQ(ranges.size(), queries_.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_EQ(ranges[i].metric_index, queries_[i].metric_index);
    EXPECT_EQ(ranges[i].side, queries_[i].side);
    EXPECT_EQ(ranges[i].role, queries_[i].role);
    EXPECT_EQ(ranges[i].provider, queries_[i].provider);
    EXPECT_EQ(ranges[i].query.expression, queries_[i].query.expression);
    EXPECT_EQ(ranges[i].query.start, first);
    EXPECT_EQ(ranges[i].query.end, kTickEnd);
    EXPECT_EQ(ranges[i].query.step, absl::Seconds(15));
  }
}

TEST_F(TickQueriesTest, ARangeAnswerCutAtATickEndIsThatTicksInstantAnswer) {
  const absl::Time t1 = kTickEnd - absl::Seconds(15);
  // p0 has samples at both tick ends, p1 only at t1, p2 only at kTickEnd.
  const metrics::QueryResult range =
      Matrix({{{t1, 4}, {kTickEnd, 5}}, {{t1, 7}}, {{kTickEnd + absl::Milliseconds(0), 9}}});
  const metrics::QueryResult at_end = AnswerAt(range, kTickEnd);
  EXPECT_EQ(at_end.type, metrics::ResultType::kVector);
  ASSERT_EQ(at_end.series.size(), 2u);
  EXPECT_EQ(at_end.series[0].labels, range.series[0].labels);
  ASSERT_EQ(at_end.series[0].samples.size(), 1u);
  EXPECT_EQ(at_end.series[0].samples[0].value, 5);
  EXPECT_EQ(at_end.series[1].labels, range.series[2].labels);
  EXPECT_EQ(at_end.series[1].samples[0].value, 9);
  // A time between the steps has no sample in any series: no data.
  EXPECT_TRUE(AnswerAt(range, t1 + absl::Seconds(7)).series.empty());

  // Cut at each tick end, the range answers assemble as the instant answers:
  // here the errors' events series is missing at kTickEnd (0 events beside
  // a total) and the canary's total is missing at t1 (no data).
  const std::vector<TickQuery> ranges = plan_->RangeQueries(t1, kTickEnd);
  const std::vector<metrics::QueryResult> answers = {Matrix({{{t1, 2}}}),
                                                     Matrix({{{t1, 100}, {kTickEnd, 90}}}),
                                                     Matrix({{{kTickEnd, 1}}}),
                                                     Matrix({{{kTickEnd, 10}}}),
                                                     Matrix({{{t1, 0.1}, {kTickEnd, 0.2}}}),
                                                     Matrix({{{t1, 0.3}, {kTickEnd, 0.4}}})};
  std::vector<absl::StatusOr<metrics::QueryResult>> at_t1;
  std::vector<absl::StatusOr<metrics::QueryResult>> at_tick_end;
  for (const metrics::QueryResult& answer : answers) {
    at_t1.push_back(AnswerAt(answer, t1));
    at_tick_end.push_back(AnswerAt(answer, kTickEnd));
  }
  const std::vector<MetricTickResult> first = plan_->Assemble(plan_->QueriesAt(t1), at_t1);
  EXPECT_FALSE(first[0].observation.has_value());
  EXPECT_TRUE(first[0].error.ok());
  ASSERT_TRUE(first[1].observation.has_value());
  EXPECT_THAT(first[1].observation->baseline(), ElementsAre(0.1));
  const std::vector<MetricTickResult> second = Answer(at_tick_end);
  ASSERT_TRUE(second[0].observation.has_value());
  EXPECT_EQ(second[0].observation->baseline_events(), 0);
  EXPECT_EQ(second[0].observation->baseline_total(), 90);
  EXPECT_EQ(second[0].observation->canary_events(), 1);
  EXPECT_EQ(second[0].observation->canary_total(), 10);
  EXPECT_THAT(second[1].observation->canary(), ElementsAre(0.4));
}

TEST_F(TickQueriesTest, LogLinesCutAtATickEndAreRefusedAsFromAnInstantQuery) {
  const metrics::QueryResult streams{.type = metrics::ResultType::kStreams,
                                     .series = {{.labels = {}, .samples = {{kTickEnd, 1}}}}};
  std::vector<absl::StatusOr<metrics::QueryResult>> answers(queries_.size(), Vector({1}));
  answers[1] = AnswerAt(streams, kTickEnd);
  const std::vector<MetricTickResult> results = Answer(answers);
  EXPECT_EQ(results[0].error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(results[0].error.message(), HasSubstr("log lines"));
}

TEST_F(TickQueriesTest, TheHistoryIsTheBaselineValueQueryOverTheTickEnds) {
  const absl::Time first = kTickEnd - absl::Seconds(15 * 119);
  const std::vector<TickQuery> history = plan_->BaselineHistoryQueries(first, kTickEnd);
  // The count metric has no history query; the latency's baseline has one.
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].metric_index, 1);
  EXPECT_EQ(history[0].side, Side::kBaseline);
  EXPECT_EQ(history[0].role, QueryRole::kValue);
  EXPECT_EQ(history[0].provider, "prometheus");
  EXPECT_EQ(history[0].query.expression, queries_[4].query.expression);
  EXPECT_EQ(history[0].query.start, first);
  EXPECT_EQ(history[0].query.end, kTickEnd);
  EXPECT_EQ(history[0].query.step, absl::Seconds(15));
}

TEST_F(TickQueriesTest, TheHistoryHasOneBaselineOnlyTickPerTickEndInTimeOrder) {
  const absl::Time t1 = kTickEnd - absl::Seconds(30);
  const absl::Time t2 = kTickEnd - absl::Seconds(15);
  const std::vector<TickQuery> queries = plan_->BaselineHistoryQueries(t1, kTickEnd);
  // Pod p1 appeared at t2; p0's NaN at t2 is dropped; nothing at kTickEnd.
  const std::vector<absl::StatusOr<metrics::QueryResult>> results = {
      Matrix({{{t1, 0.5}, {t2, NAN}}, {{t2, 0.75}}})};
  const BaselineHistory history = plan_->AssembleHistory(queries, results);
  ASSERT_TRUE(history.error.ok()) << history.error;
  ASSERT_EQ(history.ticks.size(), 2u);
  EXPECT_EQ(history.ticks[0].time().seconds(), absl::ToUnixSeconds(t1));
  EXPECT_EQ(history.ticks[1].time().seconds(), absl::ToUnixSeconds(t2));
  EXPECT_EQ(history.ticks[0].canary_weight(), 0);
  ASSERT_EQ(history.ticks[0].metrics().size(), 1u);
  const v1::Observation& first = history.ticks[0].metrics().at("latency");
  EXPECT_THAT(first.baseline(), ElementsAre(0.5));
  EXPECT_TRUE(first.canary().empty());
  EXPECT_THAT(history.ticks[1].metrics().at("latency").baseline(), ElementsAre(0.75));
}

TEST_F(TickQueriesTest, HistorySamplesOffTheTickGridAreNotTicks) {
  // A provider that widened the step answers at other times than the tick
  // ends: those samples are not what any tick's query gives.
  const absl::Time first = kTickEnd - absl::Seconds(45);
  const std::vector<TickQuery> queries = plan_->BaselineHistoryQueries(first, kTickEnd);
  const std::vector<absl::StatusOr<metrics::QueryResult>> results = {
      Matrix({{{first, 0.5}, {first + absl::Seconds(20), 0.6}, {kTickEnd, 0.7}}})};
  const BaselineHistory history = plan_->AssembleHistory(queries, results);
  ASSERT_TRUE(history.error.ok()) << history.error;
  ASSERT_EQ(history.ticks.size(), 2u);
  EXPECT_EQ(history.ticks[0].time().seconds(), absl::ToUnixSeconds(first));
  EXPECT_EQ(history.ticks[1].time().seconds(), absl::ToUnixSeconds(kTickEnd));
}

TEST_F(TickQueriesTest, AFailedHistoryQueryIsAnErrorNamingItsMetric) {
  const std::vector<TickQuery> queries = plan_->BaselineHistoryQueries(kTickEnd, kTickEnd);
  const std::vector<absl::StatusOr<metrics::QueryResult>> failed = {
      absl::UnavailableError("connection refused")};
  BaselineHistory history = plan_->AssembleHistory(queries, failed);
  EXPECT_EQ(history.error.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(history.error.message(), HasSubstr("metric \"latency\""));
  EXPECT_TRUE(history.ticks.empty());

  const std::vector<absl::StatusOr<metrics::QueryResult>> logs = {
      metrics::QueryResult{.type = metrics::ResultType::kStreams}};
  history = plan_->AssembleHistory(queries, logs);
  EXPECT_EQ(history.error.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kanarya::spec
