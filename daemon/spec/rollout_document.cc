#include "daemon/spec/rollout_document.h"

namespace kanarya::spec {

absl::StatusOr<v1::RolloutSpec> ParseRolloutDocument(const std::string&) {
  return absl::UnimplementedError("ParseRolloutDocument");
}

absl::StatusOr<v1::RolloutSpec> ReadRolloutDocument(const std::string&) {
  return absl::UnimplementedError("ReadRolloutDocument");
}

}  // namespace kanarya::spec
