#include "daemon/backtest/history_reader.h"

#include <algorithm>
#include <deque>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kanarya::backtest {
namespace {

int64_t TickEnds(const metrics::Query& query) {
  if (query.start == query.end) return 1;
  return (query.end - query.start) / query.step + 1;
}

// A range query may take longer than a tick's instant query: Prometheus'
// own limit (query.timeout) is 2 minutes by default.
constexpr absl::Duration kRangeQueryTimeout = absl::Minutes(2);

// Too much at once: too many log lines, a response over the size limit, or
// Prometheus refusing to load that many samples. A shorter range may pass.
bool TooMuch(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted ||
         (status.code() == absl::StatusCode::kFailedPrecondition &&
          absl::StrContains(status.message(), "too many samples"));
}

bool Unreachable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

// The queries the engine will send: its preflight's as they are (the
// history's range is history_ticks long, far below any limit), every
// tick's as range queries to split.
struct Wanted {
  std::vector<spec::TickQuery> exact;
  std::vector<spec::TickQuery> ticks;
};

Wanted WantedQueries(const spec::TickQueryPlan& plan, const HistoryWindow& window) {
  Wanted wanted{.exact = plan.QueriesAt(window.preflight), .ticks = {}};
  if (window.history_ticks > 0) {
    for (spec::TickQuery& query : plan.BaselineHistoryQueries(
             window.preflight - (window.history_ticks - 1) * plan.tick_interval(),
             window.preflight)) {
      wanted.exact.push_back(std::move(query));
    }
  }
  if (window.first_tick_end <= window.last_tick_end) {
    wanted.ticks = plan.RangeQueries(window.first_tick_end, window.last_tick_end);
  }
  return wanted;
}

absl::Status CheckProvider(const spec::TickQuery& query,
                           const std::map<std::string, metrics::MetricProvider*>& providers) {
  if (providers.contains(query.provider)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("analysis.metrics[", query.metric_index,
                                                 "].source.provider: no provider named \"",
                                                 query.provider, "\" is configured"));
}

}  // namespace

std::vector<metrics::Query> SplitRange(const metrics::Query& query, int max_points,
                                       absl::Duration max_range) {
  if (query.start == query.end || query.step <= absl::ZeroDuration()) return {query};
  const int64_t by_range =
      max_range == absl::InfiniteDuration() ? max_points : max_range / query.step + 1;
  const int64_t per_chunk = std::max<int64_t>(1, std::min<int64_t>(max_points, by_range));
  std::vector<metrics::Query> chunks;
  for (absl::Time start = query.start; start <= query.end; start += per_chunk * query.step) {
    metrics::Query chunk = query;
    chunk.start = start;
    chunk.end = std::min(query.end, start + (per_chunk - 1) * query.step);
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

absl::StatusOr<HistoryRecording> ReadHistory(
    const spec::TickQueryPlan& plan, const HistoryWindow& window,
    const std::map<std::string, metrics::MetricProvider*>& providers, const ReadLimits& limits) {
  HistoryRecording recording;
  std::map<std::string, std::deque<metrics::Query>> pending;
  const Wanted wanted = WantedQueries(plan, window);
  for (const spec::TickQuery& query : wanted.exact) {
    if (absl::Status known = CheckProvider(query, providers); !known.ok()) return known;
    pending[query.provider].push_back(query.query);
  }
  for (const spec::TickQuery& query : wanted.ticks) {
    if (absl::Status known = CheckProvider(query, providers); !known.ok()) return known;
    for (metrics::Query& chunk :
         SplitRange(query.query, limits.max_points_per_query, limits.max_query_range)) {
      chunk.timeout = std::max(chunk.timeout, kRangeQueryTimeout);
      pending[query.provider].push_back(std::move(chunk));
    }
  }
  for (auto& [name, queue] : pending) {
    metrics::MetricProvider& provider = *providers.at(name);
    auto& recorded = recording.providers[name];
    recorded = std::make_unique<RecordedHistoryProvider>();
    // Each split halves a range: at most 2 × (points - 1) more queries per range.
    while (!queue.empty()) {
      const size_t count =
          std::min(queue.size(), static_cast<size_t>(std::max(1, limits.max_concurrent_queries)));
      const std::vector<metrics::Query> batch(queue.begin(), queue.begin() + count);
      queue.erase(queue.begin(), queue.begin() + count);
      std::vector<absl::StatusOr<metrics::QueryResult>> answers = provider.Run(batch);
      recording.queries_sent += static_cast<int>(batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        absl::StatusOr<metrics::QueryResult> answer =
            i < answers.size() ? std::move(answers[i])
                               : absl::UnavailableError("the provider gave no answer");
        if (Unreachable(answer.status())) {
          return absl::Status(answer.status().code(),
                              absl::StrCat("provider \"", name, "\": ", answer.status().message()));
        }
        const int64_t points = TickEnds(batch[i]);
        if (TooMuch(answer.status()) && points > 1) {
          for (metrics::Query& half :
               SplitRange(batch[i], static_cast<int>((points + 1) / 2), absl::InfiniteDuration())) {
            queue.push_back(std::move(half));
          }
          continue;
        }
        recorded->Record(batch[i], std::move(answer));
      }
    }
  }
  return recording;
}

}  // namespace kanarya::backtest
