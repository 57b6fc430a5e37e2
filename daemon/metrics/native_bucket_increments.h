// One scope's per-tick bucket increments of a Prometheus native histogram,
// from either of two answers: an instant vector of histogram samples that
// already are the tick's growth (`increase(<name>{<scope>}[{{window}}])`,
// which extrapolates), or a range selector's raw samples
// (`<name>{<scope>}[{{window}}]`), whose growth from the first sample to the
// last is taken here exactly, a counter reset starting the count over.
// Every bucket is coarsened to the powers of two (schema 0), where the
// buckets of every schema >= 0 nest exactly, so pods and sides with other
// resolutions add up exactly. Pure functions; thread-safe.
#ifndef KANARYA_DAEMON_METRICS_NATIVE_BUCKET_INCREMENTS_H_
#define KANARYA_DAEMON_METRICS_NATIVE_BUCKET_INCREMENTS_H_

#include <optional>

#include "absl/status/statusor.h"
#include "daemon/metrics/bucket_increments.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::metrics {

// Bounds 2^(k-1) .. 2^K and +Inf, from just below the lowest non-empty bucket
// to the highest's upper bound (the first bucket holds the zero bucket,
// [-t, t]); `exponential` set. nullopt: no series, only series of one raw
// sample (no growth seen), or no requests in the tick.
// InvalidArgument: float samples beside histogram samples, a series with both.
// DataLoss, naming the series: a bucket of negative values (a bound below 0
// other than the zero bucket's), a bucket that is not exactly
// (2^((i-1)/2^s), 2^(i/2^s)] for a schema s from 0 to 8 and an integer i
// (within 1e-9 of the exponents; the boundary rule is not read), one with a
// bound beyond 2^1023, a count that is negative, infinite or beyond 1e15 (in
// a bucket, or in the tick). Unimplemented: buckets wider than one doubling
// (schemas below 0).
absl::StatusOr<std::optional<BucketIncrements>> NativeBucketIncrementsOf(const QueryResult& result);

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_NATIVE_BUCKET_INCREMENTS_H_
