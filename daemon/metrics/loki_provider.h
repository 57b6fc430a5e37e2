// MetricProvider for Loki's HTTP API: GET /loki/api/v1/query and
// /query_range, tenant in X-Scope-OrgID. Metric queries (count_over_time, rate, sum by) come back
// as matrices whose missing steps mean zero, and are filled in; log queries come back as streams
// and are counted per step, each step counting the lines in (t - step, t]. Metric steps are
// reported at whole milliseconds, as Loki reports them; log steps at the query's own times. A range
// query needs a positive step giving at most 11000 points, and a metric query a step of whole
// milliseconds (InvalidArgument otherwise, nothing sent). A log query that reaches the line limit
// is an error (ResourceExhausted), never an undercount. Error answers map as http::StatusFromHttp
// says. Health from /ready. Thread-safe.
#ifndef KANARYA_DAEMON_METRICS_LOKI_PROVIDER_H_
#define KANARYA_DAEMON_METRICS_LOKI_PROVIDER_H_

#include <string>

#include "daemon/http/http_client.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::metrics {

class LokiProvider final : public MetricProvider {
 public:
  // tenant: sent as X-Scope-OrgID when not empty. line_limit: the `limit`
  // of log queries (Loki's default cap is 5000).
  LokiProvider(const std::string& base_url, std::string tenant, http::EndpointConfig endpoint,
               int line_limit = 5000);

  std::vector<absl::StatusOr<QueryResult>> Run(std::span<const Query> queries) override;
  absl::Status Health() override;
  using MetricProvider::Run;

 private:
  absl::StatusOr<QueryResult> Interpret(const Query& query,
                                        absl::StatusOr<http::HttpResponse> response) const;

  // Constant after construction.
  const std::string base_url_;
  const std::string tenant_;
  const int line_limit_;
  http::HttpClient http_;
};

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_LOKI_PROVIDER_H_
