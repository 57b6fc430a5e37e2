// Reads, before a backtest runs, every answer its engine will ask for: the
// preflight's instant queries and the baseline's history at `from` (sent as
// the engine sends them), and each metric's queries for both scopes over
// every tick end, as range queries at the tick resolution split to the
// providers' limits — recorded for the engine in one RecordedHistoryProvider
// per provider. A provider that cannot
// be reached (Unavailable, DeadlineExceeded) ends the read with that status
// naming it; any other failure is recorded, as the engine would have met it
// live. A range that is too much at once (too many Loki log lines, a response
// over the size limit, Prometheus refusing to load that many samples) is split
// in halves until it passes or is one tick long, the instant query the engine
// would have sent. Range queries may take 2 minutes, Prometheus' own limit. Not thread-safe; the
// providers must outlive the call.
#ifndef KANARYA_DAEMON_BACKTEST_HISTORY_READER_H_
#define KANARYA_DAEMON_BACKTEST_HISTORY_READER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/backtest/recorded_history_provider.h"
#include "daemon/metrics/metric_provider.h"
#include "daemon/spec/tick_queries.h"

namespace kanarya::backtest {

// The times a backtest's engine queries.
struct HistoryWindow {
  absl::Time preflight;       // instant queries, and the history up to it
  int history_ticks = 0;      // baseline history ticks ending at the preflight
  absl::Time first_tick_end;  // the first tick's end
  absl::Time last_tick_end;   // before first_tick_end: no ticks
};

struct ReadLimits {
  // Tick ends per range query: Prometheus and Loki refuse more than 11,000
  // points per series (and Prometheus' provider would widen the step).
  int max_points_per_query = 11'000;
  // Loki refuses a range longer than its max_query_length (721 h by default).
  absl::Duration max_query_range = absl::Hours(720);
  // Queries in flight at once per provider.
  int max_concurrent_queries = 16;
};

struct HistoryRecording {
  std::map<std::string, std::unique_ptr<RecordedHistoryProvider>> providers;
  int queries_sent = 0;
};

// `query` split into consecutive range queries of at most max_points tick
// ends and max_range each, together covering its tick ends exactly.
std::vector<metrics::Query> SplitRange(const metrics::Query& query, int max_points,
                                       absl::Duration max_range);

absl::StatusOr<HistoryRecording> ReadHistory(
    const spec::TickQueryPlan& plan, const HistoryWindow& window,
    const std::map<std::string, metrics::MetricProvider*>& providers, const ReadLimits& limits);

}  // namespace kanarya::backtest

#endif  // KANARYA_DAEMON_BACKTEST_HISTORY_READER_H_
