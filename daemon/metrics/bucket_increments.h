// One scope's per-tick bucket increments of a classic Prometheus histogram,
// from an instant query whose series are its `<name>_bucket` counters' growth
// over the tick, labelled `le`: best each series' exact difference,
// `(<name>_bucket{<scope>} - <name>_bucket{<scope>} offset {{window}}) >= 0`,
// which leaves out for that tick the series of a pod whose counters were
// reset, or the same summed by (le, pod). Series that differ in any label but
// `le` are separate histograms (pods, response codes): each must have its
// `+Inf` bound, and they are added up on the bounds all of them have, so pods
// with different bucket layouts (a release that changes the buckets, rolling
// out) never mix. Pure functions; thread-safe.
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
  // bound's within one histogram: a histogram's series scraped or filtered
  // apart (a series missing from one end of the window) can break the order,
  // and each bound is then lowered to the smallest count at or above it,
  // which keeps the total (+Inf) and makes no bucket negative.
  int64_t clamped = 0;
  // Series left out because their histogram had no +Inf series in the
  // answer (its other series were left out by a `>= 0` filter).
  int left_out = 0;
  // A native histogram's, on powers of two: its cumulative count is known at
  // every power of two, below its first bound (the first bucket's count) and
  // above its last finite one (the total) too.
  bool exponential = false;
};

// An answer of native histogram samples goes to NativeBucketIncrementsOf
// (native_bucket_increments.h).
// nullopt: no data (no series, or a NaN count: nothing in the window).
// InvalidArgument: not an instant vector, a series without an `le` label or
// with one that is not a number, two series of one histogram with the same
// bound, no histogram with a +Inf series. DataLoss: an infinite count, one
// below -0.5 or beyond 1e15, or histograms without a finite bound in common.
// Counts are rounded to the nearest request (increase() and rate()
// extrapolate, so theirs need not be whole).
absl::StatusOr<std::optional<BucketIncrements>> BucketIncrementsOf(const QueryResult& result);

// Both sides on the bounds both reported (+Inf always among them): a
// cumulative count at a shared bound is exact, while a bound only one side
// has cannot be filled in without inventing how that side's requests spread
// within its wider bucket. Two native (`exponential`) sides go on the union
// of their bounds instead, each exact there. DataLoss, and nothing changed,
// when they share no finite bound.
absl::Status ToCommonLayout(BucketIncrements& a, BucketIncrements& b);

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_BUCKET_INCREMENTS_H_
