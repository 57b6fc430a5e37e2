#include "daemon/spec/tick_queries.h"

namespace kanarya::spec {

absl::StatusOr<TickQueryPlan> TickQueryPlan::Make(const v1::RolloutSpec&) {
  return absl::UnimplementedError("TickQueryPlan::Make");
}

std::vector<TickQuery> TickQueryPlan::QueriesAt(absl::Time) const { return {}; }

std::vector<MetricTickResult> TickQueryPlan::Assemble(
    std::span<const TickQuery>, std::span<const absl::StatusOr<metrics::QueryResult>>) const {
  return {};
}

}  // namespace kanarya::spec
