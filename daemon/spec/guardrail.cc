#include "daemon/spec/guardrail.h"

#include <cmath>

namespace kanarya::spec {

bool BreaksGuardrail(const v1::Guardrail& guardrail, double canary_value,
                     std::optional<int64_t> canary_requests) {
  if (!guardrail.has_min() && !guardrail.has_max()) return false;
  if (canary_requests && *canary_requests < guardrail.min_requests()) return false;
  if (std::isnan(canary_value)) return true;
  return (guardrail.has_min() && canary_value < guardrail.min()) ||
         (guardrail.has_max() && canary_value > guardrail.max());
}

}  // namespace kanarya::spec
