// Flagger-style absolute limits on the canary's own value. Pure.
#ifndef KANARYA_DAEMON_SPEC_GUARDRAIL_H_
#define KANARYA_DAEMON_SPEC_GUARDRAIL_H_

#include <cstdint>
#include <optional>

#include "kanarya/v1/analysis.pb.h"

namespace kanarya::spec {

// True when the tick's canary value breaks the metric's guardrail: below a set
// `min` or above a set `max`. NaN breaks any guardrail that has a bound. A
// count metric's tick (`canary_requests` set) with fewer requests than
// `min_requests` breaks nothing.
bool BreaksGuardrail(const v1::Guardrail& guardrail, double canary_value,
                     std::optional<int64_t> canary_requests);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_GUARDRAIL_H_
