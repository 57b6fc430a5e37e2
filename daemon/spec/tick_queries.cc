#include "daemon/spec/tick_queries.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon/metrics/bucket_increments.h"
#include "daemon/metrics/query_template.h"
#include "daemon/spec/rollout_plan.h"

namespace kanarya::spec {
namespace {

constexpr absl::Duration kMaxQueryTimeout = absl::Seconds(30);
// Counts beyond this cannot be real request totals of one tick and would
// lose integer precision as doubles; the analysis adds them up.
constexpr double kMaxCount = 1e15;

// A metric's extracted answers: [side][role], nullopt when the query was not sent.
using SideRoleValues = std::array<std::array<std::optional<std::vector<double>>, kQueryRoles>, 2>;

int Index(Side side) { return static_cast<int>(side); }
int Index(QueryRole role) { return static_cast<int>(role); }

struct EventCounts {
  int64_t events;
  int64_t total;
};

// Each series' newest sample (an instant vector has one per series; a scalar
// is one series). A query that returns log lines or ranges is a mistake in
// the spec, reported as such.
absl::StatusOr<std::vector<double>> ValuesOf(const metrics::QueryResult& result) {
  if (result.type == metrics::ResultType::kStreams) {
    return absl::InvalidArgumentError(
        "the query returns log lines, not numbers; wrap it in count_over_time(...)");
  }
  if (result.type == metrics::ResultType::kMatrix) {
    return absl::InvalidArgumentError(
        "the query returns a range vector; an instant query must return an instant vector or a "
        "scalar (aggregate the range, e.g. with increase(...) or avg_over_time(...))");
  }
  std::vector<double> values;
  for (const metrics::Series& series : result.series) {
    if (!series.samples.empty()) values.push_back(series.samples.back().value);
  }
  return values;
}

// The tick ends a query covers: its end for an instant query, else every
// step from its start to its end.
std::vector<absl::Time> TickEnds(const metrics::Query& query) {
  if (query.start == query.end || query.step <= absl::ZeroDuration()) return {query.end};
  std::vector<absl::Time> ends;
  for (absl::Time t = query.start; t <= query.end; t += query.step) ends.push_back(t);
  return ends;
}

// The sum of a count query's series as a count; nullopt = no data (NaN).
absl::StatusOr<std::optional<int64_t>> CountOf(const std::vector<double>& values) {
  double sum = 0;
  for (const double value : values) {
    if (std::isnan(value)) return std::nullopt;
    sum += value;
  }
  if (!std::isfinite(sum) || sum > kMaxCount) {
    return absl::DataLossError(absl::StrFormat("%g is not a plausible count", sum));
  }
  return std::llround(std::max(0.0, sum));
}

// One side's counts; nullopt = no data (no total series, a NaN, a total of 0).
absl::StatusOr<std::optional<EventCounts>> SideCounts(const std::string& metric, Side side,
                                                      const SideRoleValues& values) {
  const auto& events = values[Index(side)][Index(QueryRole::kEvents)];
  const auto& total = values[Index(side)][Index(QueryRole::kTotal)];
  if (!events.has_value() || !total.has_value() || total->empty()) return std::nullopt;
  const auto where = [&](const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat("metric \"", metric, "\", ", SideName(side),
                                                    ": ", status.message()));
  };
  absl::StatusOr<std::optional<int64_t>> event_count = CountOf(*events);
  if (!event_count.ok()) return where(event_count.status());
  absl::StatusOr<std::optional<int64_t>> total_count = CountOf(*total);
  if (!total_count.ok()) return where(total_count.status());
  if (!event_count->has_value() || !total_count->has_value() || **total_count == 0) {
    return std::nullopt;
  }
  if (**event_count > **total_count) {
    return where(absl::DataLossError(
        absl::StrCat("events ", **event_count, " exceed the total ", **total_count)));
  }
  return EventCounts{**event_count, **total_count};
}

MetricTickResult AssembleCounts(const std::string& metric, const SideRoleValues& values) {
  MetricTickResult outcome;
  std::optional<EventCounts> counts[2];
  for (const Side side : {Side::kBaseline, Side::kCanary}) {
    absl::StatusOr<std::optional<EventCounts>> side_counts = SideCounts(metric, side, values);
    if (!side_counts.ok()) {
      outcome.error = side_counts.status();
      return outcome;
    }
    counts[Index(side)] = *side_counts;
  }
  const std::optional<EventCounts>& baseline = counts[Index(Side::kBaseline)];
  const std::optional<EventCounts>& canary = counts[Index(Side::kCanary)];
  if (canary) {
    outcome.canary_value = static_cast<double>(canary->events) / static_cast<double>(canary->total);
    outcome.canary_requests = canary->total;
  }
  if (baseline && canary) {
    v1::Observation& observation = outcome.observation.emplace();
    observation.set_baseline_events(baseline->events);
    observation.set_baseline_total(baseline->total);
    observation.set_canary_events(canary->events);
    observation.set_canary_total(canary->total);
  }
  return outcome;
}

// Each side's requests per bucket, on the bounds both sides reported; no
// answer or no data on a side is no data. A histogram has no guardrail value.
MetricTickResult AssembleHistogram(
    const std::string& metric,
    const std::array<const absl::StatusOr<metrics::QueryResult>*, 2>& answers) {
  MetricTickResult outcome;
  std::optional<metrics::BucketIncrements> sides[2];
  for (const Side side : {Side::kBaseline, Side::kCanary}) {
    const absl::StatusOr<metrics::QueryResult>* answer = answers[Index(side)];
    if (answer == nullptr) return outcome;
    absl::StatusOr<std::optional<metrics::BucketIncrements>> increments =
        answer->ok() ? metrics::BucketIncrementsOf(**answer)
                     : absl::StatusOr<std::optional<metrics::BucketIncrements>>(answer->status());
    if (!increments.ok()) {
      outcome.error = absl::Status(
          increments.status().code(),
          absl::StrCat("metric \"", metric, "\", ", SideName(side), " ",
                       QueryFieldName(QueryRole::kBuckets), ": ", increments.status().message()));
      return outcome;
    }
    sides[Index(side)] = *std::move(increments);
  }
  std::optional<metrics::BucketIncrements>& baseline = sides[Index(Side::kBaseline)];
  std::optional<metrics::BucketIncrements>& canary = sides[Index(Side::kCanary)];
  if (!baseline || !canary) return outcome;
  if (absl::Status common = metrics::ToCommonLayout(*baseline, *canary); !common.ok()) {
    outcome.error = absl::Status(
        common.code(), absl::StrCat("metric \"", metric, "\", ",
                                    QueryFieldName(QueryRole::kBuckets), ": ", common.message()));
    return outcome;
  }
  v1::Observation& observation = outcome.observation.emplace();
  observation.mutable_bucket_bounds()->Add(baseline->bounds.begin(), baseline->bounds.end());
  observation.mutable_baseline_buckets()->Add(baseline->counts.begin(), baseline->counts.end());
  observation.mutable_canary_buckets()->Add(canary->counts.begin(), canary->counts.end());
  return outcome;
}

// Every series' value is one sample; NaN dropped (infinities are kept for the
// analysis to remove, but never averaged into the guardrail's value).
MetricTickResult AssembleValues(const SideRoleValues& values) {
  MetricTickResult outcome;
  std::vector<double> samples[2];
  for (const Side side : {Side::kBaseline, Side::kCanary}) {
    const auto& answer = values[Index(side)][Index(QueryRole::kValue)];
    if (!answer.has_value()) continue;
    for (const double value : *answer) {
      if (!std::isnan(value)) samples[Index(side)].push_back(value);
    }
  }
  const std::vector<double>& baseline = samples[Index(Side::kBaseline)];
  const std::vector<double>& canary = samples[Index(Side::kCanary)];
  double finite_sum = 0;
  int finite = 0;
  for (const double value : canary) {
    if (std::isfinite(value)) {
      finite_sum += value;
      ++finite;
    }
  }
  if (finite > 0) outcome.canary_value = finite_sum / finite;
  if (!baseline.empty() && !canary.empty()) {
    v1::Observation& observation = outcome.observation.emplace();
    observation.mutable_baseline()->Add(baseline.begin(), baseline.end());
    observation.mutable_canary()->Add(canary.begin(), canary.end());
  }
  return outcome;
}

}  // namespace

absl::StatusOr<TickQueryPlan> TickQueryPlan::Make(const v1::RolloutSpec& valid_spec) {
  TickQueryPlan plan;
  plan.tick_interval_ = MakeRolloutPlan(valid_spec).tick_interval;
  const std::set<std::string> known = KnownVariables(valid_spec.scopes());
  const metrics::TemplateValues values[] = {
      ScopeValues(valid_spec, Side::kBaseline, plan.tick_interval_),
      ScopeValues(valid_spec, Side::kCanary, plan.tick_interval_)};
  for (int i = 0; i < valid_spec.analysis().metrics_size(); ++i) {
    const v1::MetricSpec& metric = valid_spec.analysis().metrics(i);
    CompiledMetric compiled{
        .name = metric.name(), .provider = metric.source().provider(), .kind = metric.kind()};
    for (const QueryRole role : RolesOf(metric.kind())) {
      const std::string path =
          absl::StrCat("analysis.metrics[", i, "].source.", QueryFieldName(role));
      absl::StatusOr<metrics::QueryTemplate> query =
          metrics::QueryTemplate::Parse(QueryText(metric.source(), role), known);
      if (!query.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", query.status().message()));
      }
      for (const Side side : {Side::kBaseline, Side::kCanary}) {
        absl::StatusOr<std::string> rendered = query->Render(values[Index(side)]);
        if (!rendered.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ": for the ", SideName(side), ": ", rendered.status().message()));
        }
        compiled.queries.push_back({side, role, *std::move(rendered)});
      }
    }
    std::stable_sort(
        compiled.queries.begin(), compiled.queries.end(),
        [](const RenderedQuery& a, const RenderedQuery& b) { return a.side < b.side; });
    plan.metrics_.push_back(std::move(compiled));
  }
  return plan;
}

std::vector<TickQuery> TickQueryPlan::QueriesAt(absl::Time tick_end) const {
  return Queries(tick_end, tick_end, std::min(tick_interval_, kMaxQueryTimeout));
}

std::vector<TickQuery> TickQueryPlan::RangeQueries(absl::Time first_tick_end,
                                                   absl::Time last_tick_end) const {
  return Queries(first_tick_end, last_tick_end, kMaxQueryTimeout);
}

std::vector<TickQuery> TickQueryPlan::Queries(absl::Time first_tick_end, absl::Time last_tick_end,
                                              absl::Duration timeout) const {
  std::vector<TickQuery> queries;
  for (size_t i = 0; i < metrics_.size(); ++i) {
    for (const RenderedQuery& rendered : metrics_[i].queries) {
      queries.push_back({.metric_index = static_cast<int>(i),
                         .provider = metrics_[i].provider,
                         .side = rendered.side,
                         .role = rendered.role,
                         .query = {.expression = rendered.expression,
                                   .start = first_tick_end,
                                   .end = last_tick_end,
                                   .step = tick_interval_,
                                   .timeout = timeout}});
    }
  }
  return queries;
}

std::vector<MetricTickResult> TickQueryPlan::Assemble(
    std::span<const TickQuery> queries,
    std::span<const absl::StatusOr<metrics::QueryResult>> results) const {
  // answers[metric][side][role]: the first answer to that query, if any.
  using Answer = const absl::StatusOr<metrics::QueryResult>*;
  std::vector<std::array<std::array<Answer, kQueryRoles>, 2>> answers(metrics_.size());
  for (size_t i = 0; i < queries.size() && i < results.size(); ++i) {
    const TickQuery& q = queries[i];
    if (q.metric_index < 0 || static_cast<size_t>(q.metric_index) >= metrics_.size()) continue;
    Answer& slot = answers[q.metric_index][Index(q.side)][Index(q.role)];
    if (slot == nullptr) slot = &results[i];
  }

  std::vector<MetricTickResult> outcomes(metrics_.size());
  for (size_t m = 0; m < metrics_.size(); ++m) {
    const CompiledMetric& metric = metrics_[m];
    MetricTickResult& outcome = outcomes[m];
    if (metric.kind == v1::METRIC_KIND_HISTOGRAM) {
      outcome = AssembleHistogram(metric.name,
                                  {answers[m][Index(Side::kBaseline)][Index(QueryRole::kBuckets)],
                                   answers[m][Index(Side::kCanary)][Index(QueryRole::kBuckets)]});
      continue;
    }
    SideRoleValues values;
    for (const RenderedQuery& query : metric.queries) {
      const Answer answer = answers[m][Index(query.side)][Index(query.role)];
      if (answer == nullptr) continue;
      absl::StatusOr<std::vector<double>> extracted =
          answer->ok() ? ValuesOf(**answer) : absl::StatusOr<std::vector<double>>(answer->status());
      if (!extracted.ok()) {
        outcome.error = absl::Status(
            extracted.status().code(),
            absl::StrCat("metric \"", metric.name, "\", ", SideName(query.side), " ",
                         QueryFieldName(query.role), ": ", extracted.status().message()));
        break;
      }
      values[Index(query.side)][Index(query.role)] = *std::move(extracted);
    }
    if (!outcome.error.ok()) continue;
    outcome = metric.kind == v1::METRIC_KIND_COUNT ? AssembleCounts(metric.name, values)
                                                   : AssembleValues(values);
  }
  return outcomes;
}

std::vector<TickQuery> TickQueryPlan::BaselineHistoryQueries(absl::Time first_tick_end,
                                                             absl::Time last_tick_end) const {
  std::vector<TickQuery> queries;
  for (TickQuery& query : RangeQueries(first_tick_end, last_tick_end)) {
    if (metrics_[query.metric_index].kind == v1::METRIC_KIND_COUNT ||
        query.side != Side::kBaseline || query.role != QueryRole::kValue) {
      continue;
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

BaselineHistory TickQueryPlan::AssembleHistory(
    std::span<const TickQuery> queries,
    std::span<const absl::StatusOr<metrics::QueryResult>> results) const {
  BaselineHistory history;
  std::map<absl::Time, v1::Tick> by_time;
  for (size_t i = 0; i < queries.size() && i < results.size(); ++i) {
    const TickQuery& q = queries[i];
    if (q.metric_index < 0 || static_cast<size_t>(q.metric_index) >= metrics_.size() ||
        q.side != Side::kBaseline || q.role != QueryRole::kValue) {
      continue;
    }
    const CompiledMetric& metric = metrics_[q.metric_index];
    if (metric.kind == v1::METRIC_KIND_COUNT) continue;
    const auto failed = [&](const absl::Status& failure) {
      history.error.Update(absl::Status(
          failure.code(),
          absl::StrCat("metric \"", metric.name, "\", baseline history: ", failure.message())));
    };
    if (!results[i].ok()) {
      failed(results[i].status());
      continue;
    }
    for (const absl::Time tick_end : TickEnds(q.query)) {
      absl::StatusOr<std::vector<double>> values = ValuesOf(AnswerAt(*results[i], tick_end));
      if (!values.ok()) {
        failed(values.status());
        break;
      }
      for (const double value : *values) {
        if (!std::isnan(value)) {
          (*by_time[tick_end].mutable_metrics())[metric.name].add_baseline(value);
        }
      }
    }
  }
  history.ticks.reserve(by_time.size());
  for (auto& [time, tick] : by_time) {
    const int64_t seconds = absl::ToUnixSeconds(time);
    tick.mutable_time()->set_seconds(seconds);
    tick.mutable_time()->set_nanos(
        static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
    history.ticks.push_back(std::move(tick));
  }
  return history;
}

metrics::QueryResult AnswerAt(const metrics::QueryResult& range_answer, absl::Time tick_end) {
  if (range_answer.type == metrics::ResultType::kStreams) return range_answer;
  metrics::QueryResult answer{.type = range_answer.type == metrics::ResultType::kMatrix
                                          ? metrics::ResultType::kVector
                                          : range_answer.type,
                              .series = {},
                              .warnings = range_answer.warnings};
  const int64_t millis = absl::ToUnixMillis(tick_end);
  for (const metrics::Series& series : range_answer.series) {
    const auto at = std::lower_bound(series.samples.begin(), series.samples.end(), millis,
                                     [](const metrics::Sample& sample, int64_t t) {
                                       return absl::ToUnixMillis(sample.time) < t;
                                     });
    if (at != series.samples.end() && absl::ToUnixMillis(at->time) == millis) {
      answer.series.push_back({.labels = series.labels, .samples = {*at}});
    }
  }
  return answer;
}

}  // namespace kanarya::spec
