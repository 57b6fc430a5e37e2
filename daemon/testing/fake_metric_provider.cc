#include "daemon/testing/fake_metric_provider.h"

#include "absl/strings/str_cat.h"

namespace kanarya::testing {

std::vector<absl::StatusOr<metrics::QueryResult>> FakeMetricProvider::Run(
    std::span<const metrics::Query> queries) {
  absl::MutexLock lock(&mutex_);
  ++run_calls_;
  query_count_ += static_cast<int>(queries.size());
  std::vector<absl::StatusOr<metrics::QueryResult>> results;
  results.reserve(queries.size());
  for (const metrics::Query& query : queries) results.push_back(responder_(query));
  return results;
}

void FakeMetricProvider::set_responder(Responder responder) {
  absl::MutexLock lock(&mutex_);
  responder_ = std::move(responder);
}

int FakeMetricProvider::run_calls() const {
  absl::MutexLock lock(&mutex_);
  return run_calls_;
}

int FakeMetricProvider::query_count() const {
  absl::MutexLock lock(&mutex_);
  return query_count_;
}

metrics::QueryResult VectorResult(const std::vector<double>& values, absl::Time time) {
  metrics::QueryResult result;
  result.type = metrics::ResultType::kVector;
  for (size_t i = 0; i < values.size(); ++i) {
    result.series.push_back({{{"series", absl::StrCat(i)}}, {{time, values[i]}}});
  }
  return result;
}

}  // namespace kanarya::testing
