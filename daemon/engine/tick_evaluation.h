// One tick's per-metric query results judged against the rollout's policies:
// the Tick the analysis observes (only the metrics with data), the updated
// policy counters, whether the tick may advance a step, and a policy that
// gave up (no data or query errors past their limits, a guardrail broken past
// its failure limit). No data and errors are never evidence. Pure.
#ifndef KANARYA_DAEMON_ENGINE_TICK_EVALUATION_H_
#define KANARYA_DAEMON_ENGINE_TICK_EVALUATION_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "daemon/spec/rollout_plan.h"
#include "daemon/spec/tick_queries.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::engine {

struct TickEvaluation {
  v1::Tick tick;
  std::vector<v1::MetricPolicyState> policies;
  bool complete = true;  // every metric has data
  std::string holding;   // why not complete
  std::optional<v1::FailureAction> failure;
  std::string failure_reason;
};

// `previous` holds one state per metric (missing ones count as zero).
TickEvaluation EvaluateTick(const spec::RolloutPlan& plan, absl::Time tick_end, int canary_weight,
                            std::span<const spec::MetricTickResult> results,
                            std::span<const v1::MetricPolicyState> previous);

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_TICK_EVALUATION_H_
