#include "analysis/judge_request_validation.h"

#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/field_checks.h"
#include "analysis/step_verdict.h"

namespace kanarya::analysis {
namespace {

// Metric and group weights are capped so that their sums in the score stay
// finite whatever the request (two weights near DBL_MAX would add to inf).
constexpr double kMaxWeight = 1e6;

HistogramFields HistogramOf(const v1::MetricInput& metric) {
  return {metric.bucket_bounds(), metric.baseline_buckets(), metric.canary_buckets()};
}

absl::Status CheckNoHistogram(const std::string& path, const v1::MetricInput& metric,
                              const char* kind) {
  if (HasHistogramFields(HistogramOf(metric))) {
    return Invalid(path,
                   absl::StrCat("bucket bounds and counts must be unset for a ", kind, " metric"));
  }
  return absl::OkStatus();
}

absl::Status CheckNoEventCounts(const std::string& path, const v1::MetricInput& metric,
                                const char* kind) {
  for (const auto& [name, value] : {std::pair{"baseline_events", metric.baseline_events()},
                                    std::pair{"baseline_total", metric.baseline_total()},
                                    std::pair{"canary_events", metric.canary_events()},
                                    std::pair{"canary_total", metric.canary_total()}}) {
    if (value != 0) {
      return Invalid(absl::StrCat(path, ".", name),
                     absl::StrCat("must be unset for a ", kind, " metric"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCounts(const std::string& path, const v1::MetricInput& metric) {
  if (!metric.baseline().empty()) {
    return Invalid(path + ".baseline", "must be empty for a METRIC_KIND_COUNT metric");
  }
  if (!metric.canary().empty()) {
    return Invalid(path + ".canary", "must be empty for a METRIC_KIND_COUNT metric");
  }
  if (absl::Status s = CheckNoHistogram(path, metric, "METRIC_KIND_COUNT"); !s.ok()) return s;
  return CheckEventCounts(path, {metric.baseline_events(), metric.baseline_total(),
                                 metric.canary_events(), metric.canary_total()});
}

absl::Status ValidateHistogram(const std::string& path, const v1::MetricInput& metric) {
  for (const auto& [name, values] :
       {std::pair{"baseline", &metric.baseline()}, std::pair{"canary", &metric.canary()}}) {
    if (!values->empty()) {
      return Invalid(absl::StrCat(path, ".", name),
                     "must be empty for a METRIC_KIND_HISTOGRAM metric");
    }
  }
  if (absl::Status s = CheckNoEventCounts(path, metric, "METRIC_KIND_HISTOGRAM"); !s.ok()) {
    return s;
  }
  if (metric.absolute_tolerance() > 1) {
    return Invalid(path + ".absolute_tolerance",
                   absl::StrFormat("is a share of requests for a histogram metric: must be in "
                                   "[0, 1], got %g",
                                   metric.absolute_tolerance()));
  }
  return CheckHistogram(path, HistogramOf(metric));
}

absl::Status ValidateSamples(const std::string& path, const v1::MetricInput& metric) {
  if (absl::Status s = CheckSamples(path + ".baseline", metric.baseline()); !s.ok()) return s;
  if (absl::Status s = CheckSamples(path + ".canary", metric.canary()); !s.ok()) return s;
  if (absl::Status s = CheckNoEventCounts(path, metric, "METRIC_KIND_CONTINUOUS"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckNoHistogram(path, metric, "METRIC_KIND_CONTINUOUS"); !s.ok()) {
    return s;
  }
  return CheckNonNegative(path + ".outlier_factor", metric.outlier_factor());
}

absl::Status ValidateMetric(const std::string& path, const v1::MetricInput& metric,
                            const v1::JudgeRequest& request) {
  if (metric.name().empty()) return Invalid(path + ".name", "must not be empty");
  if (absl::Status s = CheckKindAndDirection(path, metric.kind(), metric.direction()); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckNonNegative(path + ".tolerance", metric.tolerance()); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckNonNegative(path + ".absolute_tolerance", metric.absolute_tolerance());
      !s.ok()) {
    return s;
  }
  if (metric.has_weight()) {
    if (absl::Status s = CheckNonNegative(path + ".weight", metric.weight()); !s.ok()) return s;
    if (metric.weight() > kMaxWeight) {
      return Invalid(path + ".weight", absl::StrFormat("must be <= 1e6, got %g", metric.weight()));
    }
  }
  if (!request.group_weights().empty()) {
    const std::string group = metric.group().empty() ? "default" : metric.group();
    if (!request.group_weights().contains(group)) {
      return Invalid(path + ".group",
                     absl::StrCat("\"", group, "\" has no entry in group_weights"));
    }
  }
  if (!v1::NanStrategy_IsValid(metric.nan_strategy())) {
    return Invalid(path + ".nan_strategy", "unknown value");
  }
  if (!v1::OutlierStrategy_IsValid(metric.outlier_strategy())) {
    return Invalid(path + ".outlier_strategy", "unknown value");
  }
  switch (metric.kind()) {
    case v1::METRIC_KIND_COUNT:
      return ValidateCounts(path, metric);
    case v1::METRIC_KIND_HISTOGRAM:
      return ValidateHistogram(path, metric);
    default:
      return ValidateSamples(path, metric);
  }
}

absl::Status ValidateThresholds(const v1::JudgeRequest& request) {
  for (const auto& [name, value] :
       {std::pair{"pass_threshold", request.pass_threshold()},
        std::pair{"marginal_threshold", request.marginal_threshold()}}) {
    if (!(value >= 0 && value <= 100)) {
      return Invalid(name, absl::StrFormat("must be in [0, 100], got %g", value));
    }
  }
  const double pass = PassThreshold(request);
  const double marginal = MarginalThreshold(request);
  if (marginal > pass) {
    return Invalid("marginal_threshold",
                   absl::StrFormat("must be <= pass_threshold (%g > %g)", marginal, pass));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateJudgeRequest(const v1::JudgeRequest& request) {
  const double confidence = request.confidence_level();
  if (confidence != 0 && !(confidence > 0 && confidence < 1)) {
    return Invalid("confidence_level", absl::StrFormat("must be in (0, 1), got %g", confidence));
  }
  if (request.metrics().empty()) return Invalid("metrics", "must not be empty");
  if (absl::Status s = ValidateThresholds(request); !s.ok()) return s;
  for (const auto& [group, weight] : request.group_weights()) {
    if (!std::isfinite(weight) || weight <= 0 || weight > kMaxWeight) {
      return Invalid(absl::StrCat("group_weights[\"", group, "\"]"),
                     absl::StrFormat("must be in (0, 1e6], got %g", weight));
    }
  }
  std::set<std::string> names;
  double total_weight = 0;
  for (int i = 0; i < request.metrics_size(); ++i) {
    const std::string path = absl::StrCat("metrics[", i, "]");
    const v1::MetricInput& metric = request.metrics(i);
    if (absl::Status s = ValidateMetric(path, metric, request); !s.ok()) return s;
    if (!names.insert(metric.name()).second) {
      return Invalid(path + ".name", absl::StrCat("duplicate metric name \"", metric.name(), "\""));
    }
    total_weight += metric.has_weight() ? metric.weight() : 1.0;
  }
  if (total_weight <= 0) return Invalid("metrics", "at least one metric must have weight > 0");
  return absl::OkStatus();
}

}  // namespace kanarya::analysis
