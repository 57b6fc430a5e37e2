// A source of metric data (Prometheus, Loki): range and instant queries
// returning typed series, many at once, or a status that says what failed.
// Missing data is never a value: an empty result is an empty result, and a
// fault is a status, so the analysis can tell "no evidence" from "good".
#ifndef KANARYA_DAEMON_METRICS_METRIC_PROVIDER_H_
#define KANARYA_DAEMON_METRICS_METRIC_PROVIDER_H_

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kanarya::metrics {

struct Query {
  std::string expression;  // PromQL or LogQL
  // Instant query when start == end; otherwise a range query with this step.
  absl::Time start;
  absl::Time end;
  absl::Duration step = absl::Minutes(1);
  absl::Duration timeout = absl::Seconds(30);
};

struct Sample {
  absl::Time time;
  double value;  // NaN and infinities pass through as they came
};

// One bucket of a native histogram sample, as Prometheus' API writes it.
struct HistogramBucket {
  // 0: (lower, upper]; 1: [lower, upper); 2: (lower, upper); 3: [lower, upper].
  int boundaries = 0;
  double lower = 0;
  double upper = 0;
  double count = 0;  // observations in this bucket alone (not cumulative)
};

// A native histogram sample: its total count and sum, and its non-empty
// buckets in ascending order (an empty bucket is left out).
struct HistogramSample {
  absl::Time time;
  double count = 0;
  double sum = 0;
  std::vector<HistogramBucket> buckets;
};

struct Series {
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  std::vector<Sample> samples;                              // ascending in time
  std::vector<HistogramSample> histograms;                  // native histograms, ascending
};

enum class ResultType { kMatrix, kVector, kScalar, kStreams };

struct QueryResult {
  ResultType type = ResultType::kMatrix;
  std::vector<Series> series;
  std::vector<std::string> warnings;
};

class MetricProvider {
 public:
  virtual ~MetricProvider() = default;

  // Runs the queries concurrently; one result per query, in order. Statuses:
  // InvalidArgument (the server rejected the query), DeadlineExceeded,
  // Unavailable (unreachable, or 5xx after retries), ResourceExhausted (too
  // much data), DataLoss (a malformed or truncated response), and the
  // server's other error types mapped by meaning.
  virtual std::vector<absl::StatusOr<QueryResult>> Run(std::span<const Query> queries) = 0;

  // OK when the endpoint answers its readiness check.
  virtual absl::Status Health() = 0;

  absl::StatusOr<QueryResult> Run(const Query& query) {
    return std::move(Run(std::span<const Query>(&query, 1))[0]);
  }
};

using MetricProviderPtr = std::unique_ptr<MetricProvider>;

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_METRIC_PROVIDER_H_
