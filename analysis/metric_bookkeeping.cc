#include "analysis/metric_bookkeeping.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/direction.h"

namespace kanarya::analysis {

MetricBookkeeping::MetricBookkeeping(const v1::MetricSpec& spec, double alpha)
    : name_(spec.name()),
      alpha_(alpha),
      increase_bad_(IncreaseIsBad(spec.direction())),
      decrease_bad_(DecreaseIsBad(spec.direction())) {}

void MetricBookkeeping::Record(double evidence_up, double evidence_down, Interval cs) {
  ++ticks_;
  if (increase_bad_) max_evidence_ = std::max(max_evidence_, evidence_up);
  if (decrease_bad_) max_evidence_ = std::max(max_evidence_, evidence_down);
  current_evidence_ =
      std::max(increase_bad_ ? evidence_up : 0.0, decrease_bad_ ? evidence_down : 0.0);
  cs_.lower = std::max(cs_.lower, cs.lower);
  cs_.upper = std::min(cs_.upper, cs.upper);
}

void MetricBookkeeping::Fill(bool has_data, bool within_tolerance, Interval cs,
                             double allowed_lower, double allowed_upper, const std::string& detail,
                             v1::SequentialMetricResult& result) const {
  result.set_name(name_);
  result.set_ticks(ticks_);
  result.set_regression_evidence(current_evidence_);
  result.set_p_value(std::min(1.0, threshold() * alpha_ / max_evidence_));
  result.set_cs_lower(cs.lower);
  result.set_cs_upper(cs.upper);
  result.set_allowed_lower(allowed_lower);
  result.set_allowed_upper(allowed_upper);
  const std::string where = absl::StrCat(
      absl::StrFormat(
          "estimate %.6g, CS [%.6g, %.6g], allowed [%.6g, %.6g], evidence %.3g of %.3g needed",
          result.estimate(), cs.lower, cs.upper, allowed_lower, allowed_upper, current_evidence_,
          threshold()),
      detail.empty() ? "" : "; ", detail,
      // The intersection assumes one effect throughout; a canary that turned
      // bad mid-rollout leaves its cumulative estimate outside it.
      std::isfinite(result.estimate()) &&
              (result.estimate() < cs.lower || result.estimate() > cs.upper)
          ? "; the estimate lies outside the CS intersected over time: the effect changed "
            "during the rollout"
          : "");
  if (crossed()) {
    result.set_state(v1::METRIC_STATE_REGRESSION);
    result.set_reason("regression beyond tolerance: " + where);
  } else if (!has_data) {
    result.set_state(v1::METRIC_STATE_NODATA);
    result.set_reason("no usable observations on one side yet");
  } else if (within_tolerance) {
    result.set_state(v1::METRIC_STATE_WITHIN_TOLERANCE);
    result.set_reason("within tolerance: " + where);
  } else {
    result.set_state(v1::METRIC_STATE_UNDECIDED);
    result.set_reason("undecided: " + where);
  }
}

}  // namespace kanarya::analysis
