#include "analysis/analysis_validation.h"

#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/field_checks.h"
#include "analysis/rate_ratio_sequence.h"

namespace kanarya::analysis {
namespace {

const v1::MetricSpec* FindMetric(const v1::AnalysisSpec& spec, const std::string& name) {
  for (const v1::MetricSpec& metric : spec.metrics()) {
    if (metric.name() == name) return &metric;
  }
  return nullptr;
}

HistogramFields HistogramOf(const v1::Observation& o) {
  return {o.bucket_bounds(), o.baseline_buckets(), o.canary_buckets()};
}

// What the observation of a metric of another kind must leave empty.
absl::Status CheckNoSamples(const std::string& path, const v1::Observation& o, const char* kind) {
  if (!o.baseline().empty()) {
    return Invalid(path + ".baseline", absl::StrCat("must be empty for a ", kind, " metric"));
  }
  if (!o.canary().empty()) {
    return Invalid(path + ".canary", absl::StrCat("must be empty for a ", kind, " metric"));
  }
  return absl::OkStatus();
}

absl::Status CheckNoEventCounts(const std::string& path, const v1::Observation& o,
                                const char* give) {
  if (o.baseline_events() != 0 || o.baseline_total() != 0 || o.canary_events() != 0 ||
      o.canary_total() != 0) {
    return Invalid(path, absl::StrCat("event counts are for count metrics; give ", give));
  }
  return absl::OkStatus();
}

absl::Status CheckNoHistogram(const std::string& path, const v1::Observation& o) {
  if (HasHistogramFields(HistogramOf(o))) {
    return Invalid(path, "bucket bounds and counts are for histogram metrics");
  }
  return absl::OkStatus();
}

absl::Status ValidateObservation(const std::string& path, const v1::Observation& o,
                                 const v1::MetricSpec& metric) {
  switch (metric.kind()) {
    case v1::METRIC_KIND_COUNT:
      if (absl::Status s = CheckNoSamples(path, o, "count"); !s.ok()) return s;
      if (absl::Status s = CheckNoHistogram(path, o); !s.ok()) return s;
      return CheckEventCounts(
          path, {o.baseline_events(), o.baseline_total(), o.canary_events(), o.canary_total()});
    case v1::METRIC_KIND_HISTOGRAM:
      if (absl::Status s = CheckNoSamples(path, o, "histogram"); !s.ok()) return s;
      if (absl::Status s = CheckNoEventCounts(path, o, "bucket bounds and counts"); !s.ok()) {
        return s;
      }
      return CheckHistogram(path, HistogramOf(o));
    default:
      if (absl::Status s = CheckNoEventCounts(path, o, "baseline and canary samples"); !s.ok()) {
        return s;
      }
      if (absl::Status s = CheckNoHistogram(path, o); !s.ok()) return s;
      if (absl::Status s = CheckSamples(path + ".baseline", o.baseline()); !s.ok()) return s;
      return CheckSamples(path + ".canary", o.canary());
  }
}

// The requests (or totals) an observation adds to each side's running count.
std::pair<int64_t, int64_t> SideTotals(const v1::Observation& o) {
  if (o.bucket_bounds().empty()) return {o.baseline_total(), o.canary_total()};
  // Validated: each side's counts add up to at most 2^52.
  int64_t baseline = 0, canary = 0;
  for (int64_t count : o.baseline_buckets()) baseline += count;
  for (int64_t count : o.canary_buckets()) canary += count;
  return {baseline, canary};
}

}  // namespace

absl::Status ValidateAnalysisSpec(const v1::AnalysisSpec& spec, const std::string& path) {
  if (spec.alpha() != 0 && !(spec.alpha() > 0 && spec.alpha() < 1)) {
    return Invalid(path + ".alpha", absl::StrFormat("must be in (0, 1), got %g", spec.alpha()));
  }
  if (spec.min_ticks() < 0) {
    return Invalid(path + ".min_ticks", absl::StrCat("must be >= 0, got ", spec.min_ticks()));
  }
  if (spec.metrics().empty()) return Invalid(path + ".metrics", "must not be empty");
  std::set<std::string> names;
  for (int i = 0; i < spec.metrics_size(); ++i) {
    const std::string at = absl::StrCat(path, ".metrics[", i, "]");
    const v1::MetricSpec& metric = spec.metrics(i);
    if (metric.name().empty()) return Invalid(at + ".name", "must not be empty");
    if (!names.insert(metric.name()).second) {
      return Invalid(at + ".name", absl::StrCat("duplicate metric name \"", metric.name(), "\""));
    }
    if (absl::Status s = CheckKindAndDirection(at, metric.kind(), metric.direction()); !s.ok()) {
      return s;
    }
    for (const auto& [field, value] :
         {std::pair{".tolerance", metric.tolerance()},
          std::pair{".absolute_tolerance", metric.absolute_tolerance()},
          std::pair{".mixing_sd", metric.mixing_sd()}}) {
      if (absl::Status s = CheckNonNegative(at + field, value); !s.ok()) return s;
    }
    if (!v1::NanStrategy_IsValid(metric.nan_strategy())) {
      return Invalid(at + ".nan_strategy", "unknown value");
    }
    if (metric.kind() == v1::METRIC_KIND_HISTOGRAM && metric.absolute_tolerance() > 1) {
      return Invalid(at + ".absolute_tolerance",
                     absl::StrFormat("is a share of requests for a histogram metric: must be in "
                                     "[0, 1], got %g",
                                     metric.absolute_tolerance()));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTick(const v1::Tick& tick, const v1::AnalysisSpec& spec,
                          const std::string& path) {
  if (!std::isfinite(tick.canary_weight()) || tick.canary_weight() < 0 ||
      tick.canary_weight() > 100) {
    return Invalid(path + ".canary_weight",
                   absl::StrFormat("must be in [0, 100], got %g", tick.canary_weight()));
  }
  for (const auto& [name, observation] : tick.metrics()) {
    const std::string at = absl::StrCat(path, ".metrics[\"", name, "\"]");
    const v1::MetricSpec* metric = FindMetric(spec, name);
    if (metric == nullptr) return Invalid(at, "no metric of that name in the analysis");
    if (absl::Status s = ValidateObservation(at, observation, *metric); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateTimeline(const google::protobuf::RepeatedPtrField<v1::Tick>& ticks,
                              const v1::AnalysisSpec& spec, const std::string& field) {
  struct Totals {
    int64_t baseline = 0;
    int64_t canary = 0;
  };
  std::map<std::string, Totals> running;
  constexpr int64_t kBound = RateRatioSequence::kMaxCumulativeCount;
  for (int i = 0; i < ticks.size(); ++i) {
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (absl::Status s = ValidateTick(ticks[i], spec, path); !s.ok()) return s;
    for (const auto& [name, observation] : ticks[i].metrics()) {
      // Each tick's totals are <= 2^52 (CheckEventCounts, CheckHistogram)
      // and the running ones <= 2^62 before it, so these sums cannot
      // overflow; events are at most the totals, so they stay in range too.
      Totals& totals = running[name];
      const bool histogram = !observation.bucket_bounds().empty();
      const auto [baseline_added, canary_added] = SideTotals(observation);
      for (const auto& [side, total, added] :
           {std::tuple{histogram ? "baseline_buckets" : "baseline_total", &totals.baseline,
                       baseline_added},
            std::tuple{histogram ? "canary_buckets" : "canary_total", &totals.canary,
                       canary_added}}) {
        *total += added;
        if (*total > kBound) {
          return Invalid(absl::StrCat(path, ".metrics[\"", name, "\"].", side),
                         absl::StrCat("cumulative total exceeds 2^62 (", *total,
                                      ") over the timeline so far"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace kanarya::analysis
