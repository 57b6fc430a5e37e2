#include "daemon/spec/metric_source_validation.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "daemon/metrics/query_template.h"
#include "daemon/spec/query_scopes.h"

namespace kanarya::spec {
namespace {

bool IsIdentifier(const std::string& name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (const char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void ValidateVariableNames(const std::string& path,
                           const google::protobuf::Map<std::string, std::string>& variables,
                           Problems& problems) {
  for (const auto& [name, value] : variables) {
    const std::string at = absl::StrCat(path, "[\"", name, "\"]");
    if (!IsIdentifier(name)) {
      problems.Add(at,
                   "a variable's name must be letters, digits and _, not starting with a digit");
    } else if (BuiltInVariables().contains(name)) {
      problems.Add(at, absl::StrCat("{{", name, "}} is built in and cannot be redefined"));
    }
  }
}

// A template's rendering for one side, with a window any tick interval could have.
std::optional<std::string> RenderFor(const metrics::QueryTemplate& query,
                                     const v1::RolloutSpec& spec, Side side,
                                     const std::string& path, Problems& problems) {
  absl::StatusOr<std::string> rendered = query.Render(ScopeValues(spec, side, absl::Seconds(10)));
  if (!rendered.ok()) {
    problems.Add(path, absl::StrCat("for the ", SideName(side), ": ", rendered.status().message()));
    return std::nullopt;
  }
  return *std::move(rendered);
}

// Built-in scope fields a template uses must be set on both sides.
void CheckScopeFieldsUsed(const metrics::QueryTemplate& query, const v1::Scopes& scopes,
                          const std::string& path, Problems& problems) {
  for (const Side side : {Side::kBaseline, Side::kCanary}) {
    const v1::Scope& scope = side == Side::kBaseline ? scopes.baseline() : scopes.canary();
    for (const auto& [name, value] :
         {std::pair{"workload", &scope.workload()}, std::pair{"version", &scope.version()}}) {
      if (query.variables().contains(name) && value->empty()) {
        problems.Add(path, absl::StrCat("uses {{", name, "}} but scopes.", SideName(side), ".",
                                        name, " is empty"));
      }
    }
  }
}

void ValidateQueries(const v1::RolloutSpec& spec, const v1::MetricSpec& metric,
                     const std::string& at, Problems& problems) {
  const v1::MetricSource& source = metric.source();
  const std::vector<QueryRole> roles = RolesOf(metric.kind());
  if (roles.empty()) return;  // the kind itself is reported by the analysis' validation
  const char* kind_name = metric.kind() == v1::METRIC_KIND_COUNT       ? "a count"
                          : metric.kind() == v1::METRIC_KIND_HISTOGRAM ? "a histogram"
                                                                       : "a continuous";
  for (const QueryRole role :
       {QueryRole::kEvents, QueryRole::kTotal, QueryRole::kValue, QueryRole::kBuckets}) {
    const std::string path = absl::StrCat(at, ".source.", QueryFieldName(role));
    const std::string& text = QueryText(source, role);
    const bool wanted = std::find(roles.begin(), roles.end(), role) != roles.end();
    if (!wanted) {
      if (!text.empty()) {
        problems.Add(path, absl::StrCat("must be empty for ", kind_name, " metric"));
      }
      continue;
    }
    if (absl::StripAsciiWhitespace(text).empty()) {
      problems.Add(path, absl::StrCat("required for ", kind_name, " metric"));
      continue;
    }
    absl::StatusOr<metrics::QueryTemplate> query =
        metrics::QueryTemplate::Parse(text, KnownVariables(spec.scopes()));
    if (!query.ok()) {
      problems.Add(path, std::string(query.status().message()));
      continue;
    }
    CheckScopeFieldsUsed(*query, spec.scopes(), path, problems);
    const std::optional<std::string> baseline =
        RenderFor(*query, spec, Side::kBaseline, path, problems);
    const std::optional<std::string> canary =
        RenderFor(*query, spec, Side::kCanary, path, problems);
    if (baseline && canary && *baseline == *canary) {
      problems.Add(path,
                   "renders the same query for the baseline and the canary, which would compare "
                   "the service with itself; select each side with {{workload}}, {{version}} or a "
                   "scope variable whose values differ");
    }
  }
}

void ValidateGuardrail(const v1::MetricSpec& metric, const std::string& at, Problems& problems) {
  const v1::Guardrail& guardrail = metric.guardrail();
  const std::string path = at + ".guardrail";
  if (metric.kind() == v1::METRIC_KIND_HISTOGRAM && metric.has_guardrail()) {
    problems.Add(path,
                 "a histogram metric has no single value to bound; put a guardrail on a "
                 "continuous metric of the quantile instead");
    return;
  }
  for (const auto& [field, has, value] :
       {std::tuple{"min", guardrail.has_min(), guardrail.min()},
        std::tuple{"max", guardrail.has_max(), guardrail.max()}}) {
    if (!has) continue;
    if (!std::isfinite(value)) {
      problems.Add(absl::StrCat(path, ".", field),
                   absl::StrFormat("must be finite, got %g", value));
    } else if (metric.kind() == v1::METRIC_KIND_COUNT && (value < 0 || value > 1)) {
      problems.Add(absl::StrCat(path, ".", field),
                   absl::StrFormat("must be in [0, 1]: a count metric's value is events / total, "
                                   "got %g",
                                   value));
    }
  }
  if (guardrail.has_min() && guardrail.has_max() && guardrail.min() > guardrail.max()) {
    problems.Add(path + ".min",
                 absl::StrFormat("must be <= max (%g > %g)", guardrail.min(), guardrail.max()));
  }
  if (guardrail.failure_limit() < 0) {
    problems.Add(path + ".failure_limit",
                 absl::StrCat("must be >= 0, got ", guardrail.failure_limit()));
  }
  if (guardrail.failure_limit() > 0 && !guardrail.has_min() && !guardrail.has_max()) {
    problems.Add(path + ".failure_limit", "set, but neither min nor max is");
  }
  if (guardrail.min_requests() < 0) {
    problems.Add(path + ".min_requests",
                 absl::StrCat("must be >= 0, got ", guardrail.min_requests()));
  } else if (guardrail.min_requests() > 0 && metric.kind() != v1::METRIC_KIND_COUNT) {
    problems.Add(path + ".min_requests",
                 "only a count metric has requests to count; a continuous metric's guardrail "
                 "judges every tick with data");
  }
}

}  // namespace

void ValidateScopes(const v1::Scopes& scopes, Problems& problems) {
  ValidateVariableNames("scopes.variables", scopes.variables(), problems);
  ValidateVariableNames("scopes.baseline.variables", scopes.baseline().variables(), problems);
  ValidateVariableNames("scopes.canary.variables", scopes.canary().variables(), problems);
}

void ValidateMetricSources(const v1::RolloutSpec& spec, const std::set<std::string>& provider_names,
                           Problems& problems) {
  for (int i = 0; i < spec.analysis().metrics_size(); ++i) {
    const v1::MetricSpec& metric = spec.analysis().metrics(i);
    const std::string at = absl::StrCat("analysis.metrics[", i, "]");
    const std::string& provider = metric.source().provider();
    if (provider.empty()) {
      problems.Add(at + ".source.provider", "required: the provider to query");
    } else if (!provider_names.empty() && !provider_names.contains(provider)) {
      problems.Add(at + ".source.provider",
                   absl::StrCat("unknown provider \"", provider,
                                "\" (configured: ", absl::StrJoin(provider_names, ", "), ")"));
    }
    ValidateQueries(spec, metric, at, problems);
    ValidateGuardrail(metric, at, problems);
  }
}

}  // namespace kanarya::spec
