// The rollout-only parts of a spec's analysis and its scopes: each metric's
// provider and query templates, its guardrail, and the scope variables the
// templates use. Adds every problem found to `problems`. Pure.
#ifndef KANARYA_DAEMON_SPEC_METRIC_SOURCE_VALIDATION_H_
#define KANARYA_DAEMON_SPEC_METRIC_SOURCE_VALIDATION_H_

#include <set>
#include <string>

#include "daemon/spec/problems.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

// Variable names are identifiers; none reuses a built-in's name.
void ValidateScopes(const v1::Scopes& scopes, Problems& problems);

// analysis.metrics[i].source and .guardrail of every metric. Templates must
// parse, render for both sides, and differ between them (the same query for
// both sides compares the service with itself).
void ValidateMetricSources(const v1::RolloutSpec& spec, const std::set<std::string>& provider_names,
                           Problems& problems);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_METRIC_SOURCE_VALIDATION_H_
