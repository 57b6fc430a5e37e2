// One scope's per-tick bucket increments of a classic Prometheus histogram,
// from the answer to `sum by (le) (increase(<name>_bucket{<scope>}[<tick>]))`:
// an instant vector with one series per bucket bound, labelled `le`, each the
// increase over the tick of the requests at or below the bound (increase()
// already accounts for counter resets). Pure functions; thread-safe.
#ifndef KANARYA_DAEMON_METRICS_BUCKET_INCREMENTS_H_
#define KANARYA_DAEMON_METRICS_BUCKET_INCREMENTS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::metrics {

struct BucketIncrements {
  std::vector<double> bounds;   // strictly increasing, the last +Inf
  std::vector<int64_t> counts;  // the requests in each bucket (not cumulative), >= 0
  // Requests taken off bounds whose cumulative count exceeded a higher
  // bound's. A sum over pods is non-decreasing in `le` only if every pod
  // reported every bound over the whole window; a series that appeared or
  // vanished inside it (a pod starting, a scrape missed) can break that, and
  // each bound is then lowered to the smallest count at or above it, which
  // keeps the total (+Inf) and makes no bucket negative.
  int64_t clamped = 0;
};

// nullopt: no data (no series, or a NaN count: nothing in the window).
// InvalidArgument: not an instant vector, a series without an `le` label or
// with one that is not a number, two series with the same bound, no +Inf
// series. DataLoss: an infinite count, one below -0.5, or one beyond 1e15.
// Counts are rounded to the nearest request: increase() extrapolates to the
// window's edges, so they need not be whole.
absl::StatusOr<std::optional<BucketIncrements>> BucketIncrementsOf(const QueryResult& result);

// Both sides on the bounds both reported (+Inf always among them): a
// cumulative count at a shared bound is exact, while a bound only one side
// has cannot be filled in without inventing how that side's requests spread
// within its wider bucket. A layout that changes mid-rollout (new pods with
// other buckets) is handled the same way, tick by tick.
void ToCommonLayout(BucketIncrements& a, BucketIncrements& b);

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_BUCKET_INCREMENTS_H_
