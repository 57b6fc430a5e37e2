// A valid RolloutSpec with every default applied and its steps expanded: what
// the engine executes. MakeRolloutPlan expects a spec ValidateRolloutSpec
// accepted; on anything else its result is unspecified (never UB). The last
// step always requires the critical metrics within tolerance: advancing from
// it is the promotion. Pure.
#ifndef KANARYA_DAEMON_SPEC_ROLLOUT_PLAN_H_
#define KANARYA_DAEMON_SPEC_ROLLOUT_PLAN_H_

#include <vector>

#include "absl/time/time.h"
#include "kanarya/v1/analysis.pb.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

struct PlannedStep {
  int weight;
  absl::Duration min_duration;
  absl::Duration max_duration;
  bool require_within_tolerance;
  int required_approvals;  // 0 = no gate
  bool forbid_self_approval;
};

struct RolloutPlan {
  std::vector<PlannedStep> steps;          // expanded, weights increasing, last may be < 100
  absl::Duration tick_interval;            // default 10 s
  v1::InconclusiveAction on_inconclusive;  // default PAUSE (never UNSPECIFIED)
  absl::Duration initial_delay;
  int no_data_limit;                  // default 6
  v1::FailureAction on_no_data;       // default ROLLBACK
  int query_error_limit;              // default 3
  v1::FailureAction on_query_errors;  // default ROLLBACK
  v1::FailureAction on_failure;       // default ROLLBACK
  bool dry_run;
  v1::PromotionStrategy promotion;   // default SWAP_SUBSETS
  absl::Duration progress_deadline;  // absl::InfiniteDuration() when unset
  v1::AnalysisSpec analysis;         // as AnalysisSession takes it
};

RolloutPlan MakeRolloutPlan(const v1::RolloutSpec& valid_spec);

// The defaults MakeRolloutPlan applies (validation judges the effective values).
inline constexpr absl::Duration kDefaultTickInterval = absl::Seconds(10);
inline constexpr absl::Duration kDefaultMinStepDuration = absl::Minutes(1);
inline constexpr absl::Duration kDefaultMaxStepDuration = absl::Minutes(10);
inline constexpr int kDefaultNoDataLimit = 6;
inline constexpr int kDefaultQueryErrorLimit = 3;

// step_weight, 2 × step_weight, … up to max_weight, which always ends the list
// (10, 50 → 10 20 30 40 50; 30, 100 → 30 60 90 100). Both in 1..100,
// step_weight <= max_weight.
std::vector<int> ExpandStepWeights(int step_weight, int max_weight);

// A step's durations with the step plan's defaults applied.
absl::Duration EffectiveMinDuration(const v1::StepPlan& plan, const v1::Step* step);
absl::Duration EffectiveMaxDuration(const v1::StepPlan& plan, const v1::Step* step);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_ROLLOUT_PLAN_H_
