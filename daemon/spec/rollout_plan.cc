#include "daemon/spec/rollout_plan.h"

namespace kanarya::spec {

RolloutPlan MakeRolloutPlan(const v1::RolloutSpec&) { return RolloutPlan{}; }

}  // namespace kanarya::spec
