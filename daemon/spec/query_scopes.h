// What the spec's query templates may use and what they receive for each
// side: the built-in variables ({{namespace}}, {{workload}}, {{version}},
// {{window}}) and the user's (a side's own value wins). Shared by validation
// and the tick queries so both agree. Pure.
#ifndef KANARYA_DAEMON_SPEC_QUERY_SCOPES_H_
#define KANARYA_DAEMON_SPEC_QUERY_SCOPES_H_

#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "daemon/metrics/query_template.h"
#include "kanarya/v1/analysis.pb.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::spec {

enum class Side { kBaseline, kCanary };
enum class QueryRole { kEvents, kTotal, kValue, kBuckets };
inline constexpr int kQueryRoles = 4;

// "baseline" / "canary"; "events_query" / "total_query" / "value_query" /
// "bucket_query".
const char* SideName(Side side);
const char* QueryFieldName(QueryRole role);

// The built-in variables; user variables may not reuse these names.
const std::set<std::string>& BuiltInVariables();

// The built-ins and every user variable of either side.
std::set<std::string> KnownVariables(const v1::Scopes& scopes);

// Every value a template receives for `side`; {{window}} is the tick interval.
metrics::TemplateValues ScopeValues(const v1::RolloutSpec& spec, Side side, absl::Duration window);

// The queries a metric of this kind has, in the order they are sent.
std::vector<QueryRole> RolesOf(v1::MetricKind kind);
const std::string& QueryText(const v1::MetricSource& source, QueryRole role);

}  // namespace kanarya::spec

#endif  // KANARYA_DAEMON_SPEC_QUERY_SCOPES_H_
