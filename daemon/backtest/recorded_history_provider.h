// A MetricProvider that answers from a provider's history recorded before a
// backtest: a query recorded as it is gets its recorded answer, and an instant
// query at a tick end of a recorded range query of the same expression gets
// that range answer cut at the tick end (spec::AnswerAt) — what the instant
// query would have given, so the engine assembles it as it does live. Any
// other query is Internal ("not in the recorded history"): a backtest records
// every query its engine will send. Thread-safe.
#ifndef KANARYA_DAEMON_BACKTEST_RECORDED_HISTORY_PROVIDER_H_
#define KANARYA_DAEMON_BACKTEST_RECORDED_HISTORY_PROVIDER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::backtest {

class RecordedHistoryProvider final : public metrics::MetricProvider {
 public:
  // The answer (or failure) `query` got; a failure answers every tick end of
  // its range. Where recordings of one expression overlap, a query recorded
  // as it is wins, then the range that starts latest.
  void Record(const metrics::Query& query, absl::StatusOr<metrics::QueryResult> answer);

  std::vector<absl::StatusOr<metrics::QueryResult>> Run(
      std::span<const metrics::Query> queries) override;
  // OK: the history is here.
  absl::Status Health() override { return absl::OkStatus(); }
  using MetricProvider::Run;

 private:
  struct Recording {
    metrics::Query query;
    absl::StatusOr<metrics::QueryResult> answer;
  };
  absl::StatusOr<metrics::QueryResult> Answer(const metrics::Query& query) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  // By expression, then by the recorded query's start.
  std::map<std::string, std::multimap<absl::Time, Recording>> recorded_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace kanarya::backtest

#endif  // KANARYA_DAEMON_BACKTEST_RECORDED_HISTORY_PROVIDER_H_
