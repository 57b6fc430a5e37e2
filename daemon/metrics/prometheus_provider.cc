#include "daemon/metrics/prometheus_provider.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "daemon/http/http_status.h"
#include "daemon/metrics/prometheus_response.h"

namespace kanarya::metrics {
namespace {

constexpr int64_t kMaxPointsPerSeries = 11000;

// Unix seconds with millisecond precision, as the API accepts.
std::string Seconds(absl::Time t) {
  return absl::StrFormat("%.3f", absl::ToDoubleSeconds(t - absl::UnixEpoch()));
}

}  // namespace

PrometheusProvider::PrometheusProvider(const std::string& base_url, http::EndpointConfig endpoint)
    : base_url_(absl::StripSuffix(base_url, "/")), http_(std::move(endpoint)) {}

absl::Duration PrometheusProvider::EffectiveStep(const Query& query) {
  const absl::Duration range = query.end - query.start;
  // points = range / step + 1 <= kMaxPointsPerSeries, in whole milliseconds.
  const int64_t min_step_ms = static_cast<int64_t>(
      std::ceil(absl::ToDoubleMilliseconds(range) / static_cast<double>(kMaxPointsPerSeries - 1)));
  return std::max(query.step, absl::Milliseconds(min_step_ms));
}

std::vector<absl::StatusOr<QueryResult>> PrometheusProvider::Run(std::span<const Query> queries) {
  std::vector<http::HttpRequest> requests;
  for (const Query& q : queries) {
    http::HttpRequest request;
    request.method = "POST";
    request.idempotent = true;  // a query changes nothing
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.timeout = q.timeout;
    // Let Prometheus give up a little before we do, so that its own timeout
    // error (not a dropped connection) is what comes back.
    const std::string server_timeout =
        absl::StrFormat("%ds", std::max<int64_t>(1, absl::ToInt64Seconds(q.timeout) - 1));
    if (q.start == q.end) {
      // A few series of one sample each: compressing them costs Prometheus
      // more than the bytes it saves (bench/README.md, kanaryad_live_benchmark).
      request.accept_compressed = false;
      request.url = base_url_ + "/api/v1/query";
      request.body = absl::StrCat("query=", http::UrlEncode(q.expression), "&time=", Seconds(q.end),
                                  "&timeout=", server_timeout);
    } else {
      request.url = base_url_ + "/api/v1/query_range";
      request.body =
          absl::StrCat("query=", http::UrlEncode(q.expression), "&start=", Seconds(q.start),
                       "&end=", Seconds(q.end),
                       "&step=", absl::StrFormat("%.3f", absl::ToDoubleSeconds(EffectiveStep(q))),
                       "&timeout=", server_timeout);
    }
    requests.push_back(std::move(request));
  }
  std::vector<absl::StatusOr<QueryResult>> results;
  for (absl::StatusOr<http::HttpResponse>& response : http_.Perform(requests)) {
    if (!response.ok()) {
      results.push_back(response.status());
    } else {
      results.push_back(ParsePrometheusResponse(response->body, response->status));
    }
  }
  return results;
}

absl::Status PrometheusProvider::Health() {
  http::HttpRequest request;
  request.url = base_url_ + "/-/ready";
  request.timeout = absl::Seconds(5);
  absl::StatusOr<http::HttpResponse> response = http_.Perform(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return http::StatusFromHttp("Prometheus /-/ready", response->status, response->body);
  }
  return absl::OkStatus();
}

}  // namespace kanarya::metrics
