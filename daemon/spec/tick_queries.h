// A rollout's metric queries: templates compiled and rendered for the
// baseline's and the canary's scope once per rollout ({{window}} is the tick
// interval at every tick), stamped with each tick's end (or over a range of
// tick ends, for histories and backtests), and the providers' answers
// assembled into one Observation per metric per tick; before a rollout, the
// baseline's recent per-tick values as a history of ticks. A range answer is
// cut into the instant answers of its tick ends (AnswerAt) and goes through
// the same assembly. Missing data is never a value and a failure is never
// data. Immutable after Make; thread-safe.
#ifndef KANARYA_DAEMON_SPEC_TICK_QUERIES_H_
#define KANARYA_DAEMON_SPEC_TICK_QUERIES_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/metrics/metric_provider.h"
#include "daemon/spec/query_scopes.h"
#include "kanarya/v1/analysis.pb.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

// An instant query at the tick's end whose {{window}} is the tick interval;
// its timeout is the tick interval, at most 30 s, so a slow provider cannot
// hold the next tick.
struct TickQuery {
  int metric_index;
  std::string provider;
  Side side;
  QueryRole role;
  metrics::Query query;
};

// One metric's outcome for one tick.
struct MetricTickResult {
  std::optional<v1::Observation> observation;  // nullopt: no data on one or both sides
  absl::Status error;                          // a provider/query failure (never "no data")
  std::optional<double> canary_value;          // for the guardrail: mean of values / events÷total
  std::optional<int64_t> canary_requests;      // count metrics: the canary's total this tick
};

// The baseline's per-tick values from before a rollout: ticks holding only
// the continuous metrics' baseline samples, oldest first, one per tick end
// with data (count metrics have none: their test does not use a history).
struct BaselineHistory {
  std::vector<v1::Tick> ticks;
  // The first failure (naming its metric); that metric is missing from the
  // ticks, the others' samples are kept.
  absl::Status error;
};

// The answer of a range query (RangeQueries) at one of its tick ends, as the
// instant query at that tick end answers: each series that has a sample at
// that time, with that sample alone, as a vector (a series without one is
// left out, as the instant query leaves it out). Times match at whole
// milliseconds, the resolution of Prometheus and Loki. Log lines are returned
// as they are, for Assemble to refuse as it refuses them from an instant query.
metrics::QueryResult AnswerAt(const metrics::QueryResult& range_answer, absl::Time tick_end);

class TickQueryPlan {
 public:
  // InvalidArgument naming the field
  // (analysis.metrics[2].source.events_query: ...).
  static absl::StatusOr<TickQueryPlan> Make(const v1::RolloutSpec& valid_spec);

  // Every metric's queries for both sides, metric by metric, baseline first.
  std::vector<TickQuery> QueriesAt(absl::Time tick_end) const;

  // results[i] answers queries[i]; one MetricTickResult per metric of the
  // analysis, in order. A metric none of the queries belongs to has no data.
  // Counts: each side's series are summed, rounded to the nearest integer and
  // clamped at 0; no total series, a NaN, or a total of 0 is no data; no events
  // series beside a total is 0 events (Prometheus has no series for a counter
  // that never counted); events > total is DataLoss. Continuous: the value of
  // every series is one sample, NaN dropped; none left is no data. Histograms:
  // each side's bucket answer read by metrics::BucketIncrementsOf, both sides
  // on the bounds they share (metrics::ToCommonLayout); no data on a side is
  // no data. Any failed query of a metric makes its result an error, never
  // data.
  std::vector<MetricTickResult> Assemble(
      std::span<const TickQuery> queries,
      std::span<const absl::StatusOr<metrics::QueryResult>> results) const;

  // QueriesAt's queries, in its order, each as one range query over the tick
  // ends first_tick_end, first_tick_end + tick interval, ..., last_tick_end
  // (an instant query when they are equal): AnswerAt(answer, t) is what the
  // instant query of QueriesAt(t) gives. Of any length: the caller splits a
  // range its provider would refuse (11,000 points for Prometheus and Loki).
  std::vector<TickQuery> RangeQueries(absl::Time first_tick_end, absl::Time last_tick_end) const;

  // The continuous metrics' baseline value queries of RangeQueries.
  std::vector<TickQuery> BaselineHistoryQueries(absl::Time first_tick_end,
                                                absl::Time last_tick_end) const;

  // results[i] answers queries[i] (from BaselineHistoryQueries). At each
  // tick end of a query's range, its AnswerAt values are baseline samples of
  // that tick, NaN dropped; a tick end where no metric has a sample is not a
  // tick.
  BaselineHistory AssembleHistory(
      std::span<const TickQuery> queries,
      std::span<const absl::StatusOr<metrics::QueryResult>> results) const;

  absl::Duration tick_interval() const { return tick_interval_; }

 private:
  struct RenderedQuery {
    Side side;
    QueryRole role;
    std::string expression;
  };
  struct CompiledMetric {
    std::string name;
    std::string provider;
    v1::MetricKind kind;
    std::vector<RenderedQuery> queries;
  };
  TickQueryPlan() = default;
  std::vector<TickQuery> Queries(absl::Time first_tick_end, absl::Time last_tick_end,
                                 absl::Duration timeout) const;

  std::vector<CompiledMetric> metrics_;
  absl::Duration tick_interval_;
};

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_TICK_QUERIES_H_
