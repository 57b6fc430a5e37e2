// Parses a Prometheus HTTP API response body (/api/v1/query, /query_range),
// and Loki's, which shares the format: matrix, vector and scalar results,
// sample values as strings ("NaN", "+Inf", "-Inf", exponents), native
// histogram samples (`histogram` in vectors, `histograms` in matrices: count,
// sum and buckets [boundaries, "lower", "upper", "count"]), Loki's streams
// (entries ["<unix ns>", "<line>"], each a sample of value 1), warnings, and
// error bodies mapped to statuses by their errorType. Streams through the body with simdjson's
// on-demand API, without building a document tree. Pure; thread-safe.
#ifndef KANARYA_DAEMON_METRICS_PROMETHEUS_RESPONSE_H_
#define KANARYA_DAEMON_METRICS_PROMETHEUS_RESPONSE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::metrics {

// `http_status` decides what a body that is not Prometheus JSON means:
// Unavailable for 5xx, DataLoss otherwise. Error bodies map errorType
// bad_data -> InvalidArgument, execution -> FailedPrecondition, timeout ->
// DeadlineExceeded, canceled -> Cancelled, unavailable -> Unavailable,
// not_found -> NotFound, internal -> Internal, others -> Unknown. A sample
// time that is no unix time in seconds (beyond +-3.2e13 s, about a million
// years) is DataLoss, checked before it is rounded to milliseconds.
absl::StatusOr<QueryResult> ParsePrometheusResponse(std::string_view body,
                                                    long http_status);  // NOLINT

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_PROMETHEUS_RESPONSE_H_
