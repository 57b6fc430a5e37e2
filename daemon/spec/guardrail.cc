#include "daemon/spec/guardrail.h"

namespace kanarya::spec {

bool BreaksGuardrail(const v1::Guardrail&, double) { return false; }

}  // namespace kanarya::spec
