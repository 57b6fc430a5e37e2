#include "daemon/metrics/loki_provider.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "daemon/http/http_status.h"
#include "daemon/metrics/prometheus_response.h"

namespace kanarya::metrics {
namespace {

// Loki refuses a range query with more points per series than this, as
// Prometheus does; checked before the step grid is built or a request sent.
constexpr int64_t kMaxPointsPerSeries = 11000;

int64_t Nanos(absl::Time t) { return absl::ToUnixNanos(t); }

// A LogQL log query starts with its stream selector; a metric query with a
// function or aggregation.
bool IsLogQuery(const std::string& expression) {
  const size_t first = expression.find_first_not_of(" \t\r\n");
  return first != std::string::npos && expression[first] == '{';
}

// A range query's step must be positive and give at most
// kMaxPointsPerSeries points. A metric query's step is sent to Loki and must
// be whole milliseconds: its grid must be the one StepPoints builds here.
absl::Status CheckStep(const Query& q) {
  if (q.step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("step: must be positive for a range query, got ",
                                                   absl::FormatDuration(q.step)));
  }
  absl::Duration remainder;
  const int64_t intervals = absl::IDivDuration(q.end - q.start, q.step, &remainder);
  if (intervals >= kMaxPointsPerSeries) {
    return absl::InvalidArgumentError(absl::StrCat(
        "step: ", absl::FormatDuration(q.step), " gives ", static_cast<uint64_t>(intervals) + 1,
        " points from start to end, more than the ", kMaxPointsPerSeries, " allowed per series"));
  }
  if (!IsLogQuery(q.expression) && q.step % absl::Milliseconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "step: must be whole milliseconds for a metric query, got ", absl::FormatDuration(q.step)));
  }
  return absl::OkStatus();
}

// The step points of a range query that passed CheckStep: start, start +
// step, ..., up to end.
std::vector<absl::Time> StepPoints(const Query& q) {
  std::vector<absl::Time> points;
  for (absl::Time t = q.start; t <= q.end; t += q.step) points.push_back(t);
  return points;
}

// Loki evaluates a metric query at start + k * step and reports each point in
// whole milliseconds (truncated), as Prometheus does.
int64_t ReportedMillis(absl::Time t) { return absl::ToUnixMillis(t); }

// Loki leaves out the steps where a metric query found nothing: put zeros
// there. Steps and samples are matched at the milliseconds Loki reports, so a
// start with sub-millisecond digits finds its samples.
void FillMissingSteps(const Query& q, QueryResult& result) {
  const std::vector<absl::Time> points = StepPoints(q);
  for (Series& series : result.series) {
    std::map<int64_t, double> present;
    for (const Sample& s : series.samples) present[ReportedMillis(s.time)] = s.value;
    series.samples.clear();
    for (absl::Time t : points) {
      const auto it = present.find(ReportedMillis(t));
      series.samples.push_back(
          {absl::FromUnixMillis(ReportedMillis(t)), it == present.end() ? 0.0 : it->second});
    }
  }
}

// Counts each stream's lines per step, (t - step, t]; an instant query
// counts them all at its time.
void CountLinesPerStep(const Query& q, QueryResult& result) {
  const std::vector<absl::Time> points =
      q.start == q.end ? std::vector<absl::Time>{q.end} : StepPoints(q);
  const absl::Duration window = q.start == q.end ? absl::InfiniteDuration() : q.step;
  for (Series& series : result.series) {
    std::vector<Sample> counts;
    for (absl::Time t : points) {
      double count = 0;
      for (const Sample& line : series.samples) count += line.time > t - window && line.time <= t;
      counts.push_back({t, count});
    }
    series.samples = std::move(counts);
  }
  result.type = q.start == q.end ? ResultType::kVector : ResultType::kMatrix;
}

}  // namespace

LokiProvider::LokiProvider(const std::string& base_url, std::string tenant,
                           http::EndpointConfig endpoint, int line_limit)
    : base_url_(absl::StripSuffix(base_url, "/")),
      tenant_(std::move(tenant)),
      line_limit_(line_limit),
      http_(std::move(endpoint)) {}

std::vector<absl::StatusOr<QueryResult>> LokiProvider::Run(std::span<const Query> queries) {
  std::vector<absl::StatusOr<QueryResult>> results(queries.size(),
                                                   absl::UnknownError("not performed"));
  std::vector<http::HttpRequest> requests;
  std::vector<size_t> sent;  // the query of each request
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    if (q.start != q.end) {
      if (absl::Status step = CheckStep(q); !step.ok()) {
        results[i] = std::move(step);
        continue;
      }
    }
    sent.push_back(i);
    http::HttpRequest request;
    request.timeout = q.timeout;
    if (!tenant_.empty()) request.headers = {{"X-Scope-OrgID", tenant_}};
    const std::string common = absl::StrCat("query=", http::UrlEncode(q.expression),
                                            "&limit=", line_limit_, "&direction=forward");
    if (q.start == q.end) {
      request.url = absl::StrCat(base_url_, "/loki/api/v1/query?", common, "&time=", Nanos(q.end));
    } else if (IsLogQuery(q.expression)) {
      // Lines are counted in (t - step, t] for every step t: fetch from one
      // step before the first, and up to the last inclusive (Loki's end is
      // exclusive for lines).
      request.url = absl::StrCat(base_url_, "/loki/api/v1/query_range?", common,
                                 "&start=", Nanos(q.start - q.step) + 1, "&end=", Nanos(q.end) + 1);
    } else {
      // A duration in whole milliseconds is exact; a float number of seconds
      // may lose digits in print or in Loki's parse, moving its grid off ours.
      request.url =
          absl::StrCat(base_url_, "/loki/api/v1/query_range?", common, "&start=", Nanos(q.start),
                       "&end=", Nanos(q.end), "&step=", absl::ToInt64Milliseconds(q.step), "ms");
    }
    requests.push_back(std::move(request));
  }
  std::vector<absl::StatusOr<http::HttpResponse>> responses = http_.Perform(requests);
  for (size_t r = 0; r < sent.size(); ++r) {
    results[sent[r]] = Interpret(queries[sent[r]], std::move(responses[r]));
  }
  return results;
}

absl::StatusOr<QueryResult> LokiProvider::Interpret(
    const Query& query, absl::StatusOr<http::HttpResponse> response) const {
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return http::StatusFromHttp("Loki", response->status, response->body);
  }
  absl::StatusOr<QueryResult> result = ParsePrometheusResponse(response->body, response->status);
  if (!result.ok()) return result;
  if (result->type == ResultType::kStreams) {
    size_t lines = 0;
    for (const Series& s : result->series) lines += s.samples.size();
    if (lines >= static_cast<size_t>(line_limit_)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("log query reached the limit of ", line_limit_,
                       " lines; count them in Loki with count_over_time instead"));
    }
    CountLinesPerStep(query, *result);
  } else if (result->type == ResultType::kMatrix && query.start != query.end) {
    FillMissingSteps(query, *result);
  }
  return result;
}

absl::Status LokiProvider::Health() {
  http::HttpRequest request;
  request.url = base_url_ + "/ready";
  request.timeout = absl::Seconds(5);
  absl::StatusOr<http::HttpResponse> response = http_.Perform(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return http::StatusFromHttp("Loki", response->status, response->body);
  }
  return absl::OkStatus();
}

}  // namespace kanarya::metrics
