#include "analysis/field_checks.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kanarya::analysis {

absl::Status Invalid(const std::string& path, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

absl::Status CheckNonNegative(const std::string& path, double value) {
  if (!std::isfinite(value) || value < 0) {
    return Invalid(path, absl::StrFormat("must be a finite number >= 0, got %g", value));
  }
  return absl::OkStatus();
}

absl::Status CheckKindAndDirection(const std::string& path, v1::MetricKind kind,
                                   v1::Direction direction) {
  if (kind != v1::METRIC_KIND_CONTINUOUS && kind != v1::METRIC_KIND_COUNT) {
    return Invalid(path + ".kind", "must be METRIC_KIND_CONTINUOUS or METRIC_KIND_COUNT");
  }
  if (direction == v1::DIRECTION_UNSPECIFIED || !v1::Direction_IsValid(direction)) {
    return Invalid(path + ".direction",
                   "must be DIRECTION_INCREASE, DIRECTION_DECREASE or DIRECTION_EITHER");
  }
  return absl::OkStatus();
}

absl::Status CheckEventCounts(const std::string& path, const EventCountFields& c) {
  for (const auto& [name, value] :
       {std::pair{"baseline_events", c.baseline_events},
        std::pair{"baseline_total", c.baseline_total}, std::pair{"canary_events", c.canary_events},
        std::pair{"canary_total", c.canary_total}}) {
    if (value < 0) {
      return Invalid(absl::StrCat(path, ".", name), absl::StrCat("must be >= 0, got ", value));
    }
  }
  if (c.baseline_total < c.baseline_events) {
    return Invalid(path + ".baseline_total",
                   absl::StrCat("must be >= baseline_events (", c.baseline_total, " < ",
                                c.baseline_events, ")"));
  }
  if (c.canary_total < c.canary_events) {
    return Invalid(
        path + ".canary_total",
        absl::StrCat("must be >= canary_events (", c.canary_total, " < ", c.canary_events, ")"));
  }
  // Totals are added together when testing; keep them far from overflow.
  constexpr int64_t kMaxTotal = int64_t{1} << 52;
  if (c.baseline_total > kMaxTotal) return Invalid(path + ".baseline_total", "must be <= 2^52");
  if (c.canary_total > kMaxTotal) return Invalid(path + ".canary_total", "must be <= 2^52");
  return absl::OkStatus();
}

absl::Status CheckSamples(const std::string& path,
                          const google::protobuf::RepeatedField<double>& samples) {
  constexpr double kMaxSampleMagnitude = 1e300;
  for (int i = 0; i < samples.size(); ++i) {
    if (std::isfinite(samples[i]) && std::fabs(samples[i]) > kMaxSampleMagnitude) {
      return Invalid(absl::StrCat(path, "[", i, "]"),
                     absl::StrFormat("finite samples must lie within +-1e300, got %g", samples[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace kanarya::analysis
