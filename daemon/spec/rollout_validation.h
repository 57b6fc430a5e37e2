// Checks a RolloutSpec as the daemon receives it. Returns OK, or
// InvalidArgument listing EVERY problem, "; "-separated, each
// "field.path: reason" with the proto's snake_case field names, e.g.
// "steps.steps[3].weight: must be greater than steps.steps[2].weight (40 <= 50)". Pure.
#ifndef KANARYA_DAEMON_SPEC_ROLLOUT_VALIDATION_H_
#define KANARYA_DAEMON_SPEC_ROLLOUT_VALIDATION_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

// provider_names: the providers the daemon has configured; empty = accept any name.
// allowed_hook_hosts: the hosts webhooks may call (webhook_hosts.h); empty = any host.
absl::Status ValidateRolloutSpec(const v1::RolloutSpec& spec,
                                 const std::set<std::string>& provider_names,
                                 const std::set<std::string>& allowed_hook_hosts = {});

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_ROLLOUT_VALIDATION_H_
