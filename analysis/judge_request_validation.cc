#include "analysis/judge_request_validation.h"

#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/step_verdict.h"

namespace kanarya::analysis {
namespace {

absl::Status Invalid(const std::string& field, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

absl::Status ValidateAllowance(const std::string& field, double value) {
  if (!std::isfinite(value) || value < 0) {
    return Invalid(field, absl::StrFormat("must be a finite number >= 0, got %g", value));
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
  for (const auto& [name, value] : {std::pair{"baseline_events", metric.baseline_events()},
                                    std::pair{"baseline_total", metric.baseline_total()},
                                    std::pair{"canary_events", metric.canary_events()},
                                    std::pair{"canary_total", metric.canary_total()}}) {
    if (value < 0)
      return Invalid(absl::StrCat(path, ".", name), absl::StrCat("must be >= 0, got ", value));
  }
  if (metric.baseline_total() < metric.baseline_events()) {
    return Invalid(path + ".baseline_total",
                   absl::StrCat("must be >= baseline_events (", metric.baseline_total(), " < ",
                                metric.baseline_events(), ")"));
  }
  if (metric.canary_total() < metric.canary_events()) {
    return Invalid(path + ".canary_total",
                   absl::StrCat("must be >= canary_events (", metric.canary_total(), " < ",
                                metric.canary_events(), ")"));
  }
  // Totals are added together when testing; keep them far from overflow.
  constexpr int64_t kMaxTotal = int64_t{1} << 52;
  if (metric.baseline_total() > kMaxTotal || metric.canary_total() > kMaxTotal) {
    return Invalid(
        path + (metric.baseline_total() > kMaxTotal ? ".baseline_total" : ".canary_total"),
        "must be <= 2^52");
  }
  return absl::OkStatus();
}

// Differences of samples must stay finite doubles.
constexpr double kMaxSampleMagnitude = 1e300;

absl::Status ValidateSampleRange(const std::string& path, const char* side,
                                 const google::protobuf::RepeatedField<double>& samples) {
  for (int i = 0; i < samples.size(); ++i) {
    if (std::isfinite(samples[i]) && std::fabs(samples[i]) > kMaxSampleMagnitude) {
      return Invalid(absl::StrCat(path, ".", side, "[", i, "]"),
                     absl::StrFormat("finite samples must lie within +-1e300, got %g", samples[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSamples(const std::string& path, const v1::MetricInput& metric) {
  if (absl::Status s = ValidateSampleRange(path, "baseline", metric.baseline()); !s.ok()) return s;
  if (absl::Status s = ValidateSampleRange(path, "canary", metric.canary()); !s.ok()) return s;
  for (const char* name : {"baseline_events", "baseline_total", "canary_events", "canary_total"}) {
    const auto* field = v1::MetricInput::descriptor()->FindFieldByName(name);
    if (metric.GetReflection()->GetInt64(metric, field) != 0) {
      return Invalid(absl::StrCat(path, ".", name),
                     "must be unset for a METRIC_KIND_CONTINUOUS metric");
    }
  }
  if (!std::isfinite(metric.outlier_factor()) || metric.outlier_factor() < 0) {
    return Invalid(path + ".outlier_factor", "must be a finite number >= 0");
  }
  return absl::OkStatus();
}

absl::Status ValidateMetric(const std::string& path, const v1::MetricInput& metric,
                            const v1::JudgeRequest& request) {
  if (metric.name().empty()) return Invalid(path + ".name", "must not be empty");
  if (metric.kind() != v1::METRIC_KIND_CONTINUOUS && metric.kind() != v1::METRIC_KIND_COUNT) {
    return Invalid(path + ".kind", "must be METRIC_KIND_CONTINUOUS or METRIC_KIND_COUNT");
  }
  if (metric.direction() == v1::DIRECTION_UNSPECIFIED ||
      !v1::Direction_IsValid(metric.direction())) {
    return Invalid(path + ".direction",
                   "must be DIRECTION_INCREASE, DIRECTION_DECREASE or DIRECTION_EITHER");
  }
  if (absl::Status s = ValidateAllowance(path + ".tolerance", metric.tolerance()); !s.ok())
    return s;
  if (absl::Status s = ValidateAllowance(path + ".absolute_tolerance", metric.absolute_tolerance());
      !s.ok()) {
    return s;
  }
  if (metric.has_weight() && (!std::isfinite(metric.weight()) || metric.weight() < 0)) {
    return Invalid(path + ".weight",
                   absl::StrFormat("must be a finite number >= 0, got %g", metric.weight()));
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
  return metric.kind() == v1::METRIC_KIND_COUNT ? ValidateCounts(path, metric)
                                                : ValidateSamples(path, metric);
}

}  // namespace

absl::Status ValidateJudgeRequest(const v1::JudgeRequest& request) {
  const double confidence = request.confidence_level();
  if (confidence != 0 && !(confidence > 0 && confidence < 1)) {
    return Invalid("confidence_level", absl::StrFormat("must be in (0, 1), got %g", confidence));
  }
  if (request.metrics().empty()) return Invalid("metrics", "must not be empty");
  for (const char* name : {"pass_threshold", "marginal_threshold"}) {
    const auto* field = v1::JudgeRequest::descriptor()->FindFieldByName(name);
    const double value = request.GetReflection()->GetDouble(request, field);
    if (!(value >= 0 && value <= 100)) {
      return Invalid(name, absl::StrFormat("must be in [0, 100], got %g", value));
    }
  }
  const double pass =
      request.pass_threshold() > 0 ? request.pass_threshold() : kDefaultPassThreshold;
  const double marginal =
      request.marginal_threshold() > 0 ? request.marginal_threshold() : kDefaultMarginalThreshold;
  if (marginal > pass) {
    return Invalid("marginal_threshold",
                   absl::StrFormat("must be <= pass_threshold (%g > %g)", marginal, pass));
  }
  for (const auto& [group, weight] : request.group_weights()) {
    if (!std::isfinite(weight) || weight <= 0) {
      return Invalid(absl::StrCat("group_weights[\"", group, "\"]"),
                     absl::StrFormat("must be a finite number > 0, got %g", weight));
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
