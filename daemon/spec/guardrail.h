// Flagger-style absolute limits on the canary's own value. Pure.
#ifndef KANARYA_DAEMON_SPEC_GUARDRAIL_H_
#define KANARYA_DAEMON_SPEC_GUARDRAIL_H_

#include "kanarya/v1/analysis.pb.h"

namespace kanarya::spec {

// True when the value breaks the metric's guardrail: below a set `min` or
// above a set `max`. NaN breaks any guardrail that has a bound.
bool BreaksGuardrail(const v1::Guardrail& guardrail, double canary_value);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_GUARDRAIL_H_
