#include "daemon/backtest/recorded_history_provider.h"

#include "absl/strings/str_cat.h"
#include "daemon/spec/tick_queries.h"

namespace kanarya::backtest {
namespace {

bool Same(const metrics::Query& a, const metrics::Query& b) {
  return a.start == b.start && a.end == b.end && (a.start == a.end || a.step == b.step);
}

// True when `t` is one of the range query's tick ends.
bool OnGrid(const metrics::Query& range, absl::Time t) {
  if (range.start == range.end || range.step <= absl::ZeroDuration()) return false;
  if (t < range.start || t > range.end) return false;
  return (t - range.start) % range.step == absl::ZeroDuration();
}

}  // namespace

void RecordedHistoryProvider::Record(const metrics::Query& query,
                                     absl::StatusOr<metrics::QueryResult> answer) {
  absl::MutexLock lock(&mutex_);
  recorded_[query.expression].emplace(query.start, Recording{query, std::move(answer)});
}

std::vector<absl::StatusOr<metrics::QueryResult>> RecordedHistoryProvider::Run(
    std::span<const metrics::Query> queries) {
  absl::ReaderMutexLock lock(&mutex_);
  std::vector<absl::StatusOr<metrics::QueryResult>> answers;
  answers.reserve(queries.size());
  for (const metrics::Query& query : queries) answers.push_back(Answer(query));
  return answers;
}

absl::StatusOr<metrics::QueryResult> RecordedHistoryProvider::Answer(
    const metrics::Query& query) const {
  const auto not_recorded = [&query] {
    return absl::InternalError(
        absl::StrCat("not in the recorded history: ", query.expression, " at ",
                     absl::FormatTime(absl::RFC3339_full, query.end, absl::UTCTimeZone())));
  };
  const auto by_expression = recorded_.find(query.expression);
  if (by_expression == recorded_.end()) return not_recorded();
  const std::multimap<absl::Time, Recording>& recordings = by_expression->second;
  const auto [first, last] = recordings.equal_range(query.start);
  for (auto it = first; it != last; ++it) {
    if (Same(it->second.query, query)) return it->second.answer;
  }
  if (query.start != query.end) return not_recorded();
  // The ranges that start at or before the instant, latest first.
  for (auto it = recordings.upper_bound(query.end); it != recordings.begin();) {
    --it;
    const Recording& recording = it->second;
    if (!OnGrid(recording.query, query.end)) continue;
    if (!recording.answer.ok()) return recording.answer.status();
    return spec::AnswerAt(*recording.answer, query.end);
  }
  return not_recorded();
}

}  // namespace kanarya::backtest
