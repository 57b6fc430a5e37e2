#include "daemon/spec/rollout_validation.h"

namespace kanarya::spec {

absl::Status ValidateRolloutSpec(const v1::RolloutSpec&, const std::set<std::string>&) {
  return absl::UnimplementedError("ValidateRolloutSpec");
}

}  // namespace kanarya::spec
