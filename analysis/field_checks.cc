#include "analysis/field_checks.h"

#include <cmath>
#include <limits>
#include <utility>

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
  if (kind != v1::METRIC_KIND_CONTINUOUS && kind != v1::METRIC_KIND_COUNT &&
      kind != v1::METRIC_KIND_HISTOGRAM) {
    return Invalid(path + ".kind",
                   "must be METRIC_KIND_CONTINUOUS, METRIC_KIND_COUNT or METRIC_KIND_HISTOGRAM");
  }
  if (direction == v1::DIRECTION_UNSPECIFIED || !v1::Direction_IsValid(direction)) {
    return Invalid(path + ".direction",
                   "must be DIRECTION_INCREASE, DIRECTION_DECREASE or DIRECTION_EITHER");
  }
  if (kind == v1::METRIC_KIND_HISTOGRAM && direction != v1::DIRECTION_INCREASE) {
    return Invalid(path + ".direction",
                   "must be DIRECTION_INCREASE for a histogram metric: it tests for more requests "
                   "above the bucket bounds");
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
  if (c.baseline_total > kMaxTickTotal) {
    return Invalid(path + ".baseline_total", "must be <= 2^52");
  }
  if (c.canary_total > kMaxTickTotal) return Invalid(path + ".canary_total", "must be <= 2^52");
  return absl::OkStatus();
}

absl::Status CheckHistogram(const std::string& path, const HistogramFields& h) {
  const std::string bounds_path = path + ".bucket_bounds";
  if (h.bounds.size() < 2) {
    return Invalid(bounds_path, absl::StrCat("must hold at least one finite bound and a last +Inf "
                                             "for a histogram metric, got ",
                                             h.bounds.size(), " bounds"));
  }
  constexpr double kMaxBoundMagnitude = 1e300;
  const int last = h.bounds.size() - 1;
  for (int i = 0; i < last; ++i) {
    const double bound = h.bounds[i];
    if (!std::isfinite(bound) || std::fabs(bound) > kMaxBoundMagnitude) {
      return Invalid(absl::StrCat(bounds_path, "[", i, "]"),
                     absl::StrFormat("must be finite, within +-1e300, got %g", bound));
    }
    if (i > 0 && !(bound > h.bounds[i - 1])) {
      return Invalid(absl::StrCat(bounds_path, "[", i, "]"),
                     absl::StrFormat("bounds must be strictly increasing (%g after %g)", bound,
                                     h.bounds[i - 1]));
    }
  }
  if (!(h.bounds[last] == std::numeric_limits<double>::infinity())) {
    return Invalid(
        absl::StrCat(bounds_path, "[", last, "]"),
        absl::StrFormat("the last bound must be +Inf (\"Infinity\"), got %g", h.bounds[last]));
  }
  for (const auto& [side, counts] :
       {std::pair{"baseline_buckets", &h.baseline}, std::pair{"canary_buckets", &h.canary}}) {
    const std::string at = absl::StrCat(path, ".", side);
    if (counts->size() != h.bounds.size()) {
      return Invalid(at, absl::StrCat("must hold one count per bucket bound (", h.bounds.size(),
                                      "), got ", counts->size()));
    }
    int64_t total = 0;
    for (int i = 0; i < counts->size(); ++i) {
      const int64_t count = (*counts)[i];
      if (count < 0) {
        return Invalid(absl::StrCat(at, "[", i, "]"), absl::StrCat("must be >= 0, got ", count));
      }
      // Each count is checked before it is added, so the sum cannot wrap.
      if (count > kMaxTickTotal || (total += count) > kMaxTickTotal) {
        return Invalid(absl::StrCat(at, "[", i, "]"),
                       "the side's counts must add up to at most 2^52 in a tick");
      }
    }
  }
  return absl::OkStatus();
}

bool HasHistogramFields(const HistogramFields& h) {
  return !h.bounds.empty() || !h.baseline.empty() || !h.canary.empty();
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
