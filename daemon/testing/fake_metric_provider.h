// Test double: a MetricProvider whose every answer comes from a function of
// the query (its expression and time), so a scenario is a script, and the
// same tick always gets the same answer however often or late it is asked.
// Counts Run calls and queries. Thread-safe.
#ifndef KANARYA_DAEMON_TESTING_FAKE_METRIC_PROVIDER_H_
#define KANARYA_DAEMON_TESTING_FAKE_METRIC_PROVIDER_H_

#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::testing {

using Responder = std::function<absl::StatusOr<metrics::QueryResult>(const metrics::Query&)>;

class FakeMetricProvider final : public metrics::MetricProvider {
 public:
  explicit FakeMetricProvider(Responder responder) : responder_(std::move(responder)) {}

  std::vector<absl::StatusOr<metrics::QueryResult>> Run(
      std::span<const metrics::Query> queries) override;
  absl::Status Health() override { return absl::OkStatus(); }

  void set_responder(Responder responder);
  int run_calls() const;
  int query_count() const;

 private:
  mutable absl::Mutex mutex_;
  Responder responder_ ABSL_GUARDED_BY(mutex_);
  int run_calls_ ABSL_GUARDED_BY(mutex_) = 0;
  int query_count_ ABSL_GUARDED_BY(mutex_) = 0;
};

// An instant-query answer: one series per value, each one sample at `time`.
metrics::QueryResult VectorResult(const std::vector<double>& values, absl::Time time);

}  // namespace kanarya::testing

#endif  // KANARYA_DAEMON_TESTING_FAKE_METRIC_PROVIDER_H_
