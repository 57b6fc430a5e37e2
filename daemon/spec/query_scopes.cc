#include "daemon/spec/query_scopes.h"

namespace kanarya::spec {

const char* SideName(Side side) { return side == Side::kBaseline ? "baseline" : "canary"; }

const char* QueryFieldName(QueryRole role) {
  switch (role) {
    case QueryRole::kEvents:
      return "events_query";
    case QueryRole::kTotal:
      return "total_query";
    case QueryRole::kValue:
      return "value_query";
    case QueryRole::kBuckets:
      return "bucket_query";
  }
  return "?";
}

const std::set<std::string>& BuiltInVariables() {
  static const std::set<std::string>* const kBuiltIns =
      new std::set<std::string>{"namespace", "workload", "version", "window"};
  return *kBuiltIns;
}

std::set<std::string> KnownVariables(const v1::Scopes& scopes) {
  std::set<std::string> known = BuiltInVariables();
  for (const auto* variables :
       {&scopes.variables(), &scopes.baseline().variables(), &scopes.canary().variables()}) {
    for (const auto& [name, value] : *variables) known.insert(name);
  }
  return known;
}

metrics::TemplateValues ScopeValues(const v1::RolloutSpec& spec, Side side, absl::Duration window) {
  const v1::Scope& scope =
      side == Side::kBaseline ? spec.scopes().baseline() : spec.scopes().canary();
  metrics::TemplateValues values;
  for (const auto& [name, value] : spec.scopes().variables()) values.strings[name] = value;
  for (const auto& [name, value] : scope.variables()) values.strings[name] = value;
  // Built-ins last: validation refuses user variables of these names anyway.
  values.strings["namespace"] = spec.target().namespace_();
  values.strings["workload"] = scope.workload();
  values.strings["version"] = scope.version();
  values.durations["window"] = window;
  return values;
}

std::vector<QueryRole> RolesOf(v1::MetricKind kind) {
  switch (kind) {
    case v1::METRIC_KIND_COUNT:
      return {QueryRole::kEvents, QueryRole::kTotal};
    case v1::METRIC_KIND_CONTINUOUS:
      return {QueryRole::kValue};
    case v1::METRIC_KIND_HISTOGRAM:
      return {QueryRole::kBuckets};
    default:
      return {};
  }
}

const std::string& QueryText(const v1::MetricSource& source, QueryRole role) {
  switch (role) {
    case QueryRole::kEvents:
      return source.events_query();
    case QueryRole::kTotal:
      return source.total_query();
    case QueryRole::kBuckets:
      return source.bucket_query();
    case QueryRole::kValue:
      break;
  }
  return source.value_query();
}

}  // namespace kanarya::spec
