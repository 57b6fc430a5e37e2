#include "analysis/metric_judgement.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/binomial.h"
#include "analysis/direction.h"
#include "analysis/histogram_judgement.h"
#include "analysis/rank_sum_test.h"
#include "analysis/rate_ratio_test.h"
#include "analysis/sample_cleaning.h"
#include "analysis/shift_estimate.h"

namespace kanarya::analysis {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string Percent(double confidence_level) {
  return absl::StrFormat("%g%%", confidence_level * 100);
}

// Says so in the reason when the default tolerance applies.
std::string DefaultToleranceNote(const v1::MetricInput& input) {
  const bool absolute_replaces_default =
      input.kind() != v1::METRIC_KIND_HISTOGRAM && input.absolute_tolerance() > 0;
  if (input.has_tolerance() || absolute_replaces_default) return "";
  return absl::StrFormat(", default tolerance %g%%", EffectiveTolerance(input) * 100);
}

void JudgeContinuous(const v1::MetricInput& input, double confidence_level,
                     v1::MetricResult& result) {
  const CleanedSample baseline = CleanSample(AsSpan(input.baseline()), input.nan_strategy(),
                                             input.outlier_strategy(), input.outlier_factor());
  const CleanedSample canary = CleanSample(AsSpan(input.canary()), input.nan_strategy(),
                                           input.outlier_strategy(), input.outlier_factor());
  result.set_baseline_count(static_cast<int64_t>(baseline.sorted_values.size()));
  result.set_canary_count(static_cast<int64_t>(canary.sorted_values.size()));
  result.set_baseline_dropped(baseline.dropped);
  result.set_canary_dropped(canary.dropped);
  if (baseline.sorted_values.empty() || canary.sorted_values.empty()) {
    result.set_classification(v1::CLASSIFICATION_NODATA);
    result.set_reason(
        absl::StrFormat("no usable samples: baseline %d (%d dropped), canary %d (%d dropped)",
                        baseline.sorted_values.size(), baseline.dropped,
                        canary.sorted_values.size(), canary.dropped));
    return;
  }

  const RankSumTest test = MannWhitney(canary.sorted_values, baseline.sorted_values);
  const ShiftEstimate shift =
      EstimateShift(canary.sorted_values, baseline.sorted_values, test, confidence_level);
  const double baseline_level = SortedQuantile(baseline.sorted_values, 0.5);
  const double allowance =
      std::max(EffectiveTolerance(input) * std::fabs(baseline_level), input.absolute_tolerance());
  result.set_p_value(test.p_value);
  result.set_u_statistic(test.u);
  result.set_hodges_lehmann(shift.hodges_lehmann);
  result.set_ci_lower(shift.ci_lower);
  result.set_ci_upper(shift.ci_upper);
  result.set_baseline_level(baseline_level);
  result.set_canary_level(SortedQuantile(canary.sorted_values, 0.5));
  result.set_allowed_change(allowance);
  result.set_method(test.exact ? "exact Mann-Whitney" : "Mann-Whitney, normal approximation");

  const bool significant = test.p_value < 1.0 - confidence_level;
  const double null_u = static_cast<double>(canary.sorted_values.size()) *
                        static_cast<double>(baseline.sorted_values.size()) / 2.0;
  const auto evidence =
      absl::StrFormat("shift %+.6g, %s CI [%.6g, %.6g], p=%.3g", shift.hodges_lehmann,
                      Percent(confidence_level), shift.ci_lower, shift.ci_upper, test.p_value);
  const auto allowed = absl::StrFormat("allowed %.6g (baseline median %.6g%s)", allowance,
                                       baseline_level, DefaultToleranceNote(input));
  if (IncreaseIsBad(input.direction()) && significant && test.u > null_u &&
      shift.hodges_lehmann >= allowance) {
    result.set_classification(v1::CLASSIFICATION_HIGH);
    result.set_reason(absl::StrCat("canary significantly higher: ", evidence, "; ", allowed));
  } else if (DecreaseIsBad(input.direction()) && significant && test.u < null_u &&
             -shift.hodges_lehmann >= allowance) {
    result.set_classification(v1::CLASSIFICATION_LOW);
    result.set_reason(absl::StrCat("canary significantly lower: ", evidence, "; ", allowed));
  } else if ((!IncreaseIsBad(input.direction()) || shift.ci_upper <= allowance) &&
             (!DecreaseIsBad(input.direction()) || shift.ci_lower >= -allowance)) {
    result.set_classification(v1::CLASSIFICATION_PASS);
    result.set_reason(absl::StrCat("within tolerance: ", evidence, "; ", allowed));
  } else {
    result.set_classification(v1::CLASSIFICATION_INCONCLUSIVE);
    result.set_reason(
        absl::StrCat("not enough evidence: the CI still admits a change beyond the allowance; ",
                     evidence, "; ", allowed));
  }
}

void JudgeCount(const v1::MetricInput& input, double confidence_level, v1::MetricResult& result) {
  result.set_baseline_count(input.baseline_total());
  result.set_canary_count(input.canary_total());
  if (input.baseline_total() == 0 || input.canary_total() == 0) {
    result.set_classification(v1::CLASSIFICATION_NODATA);
    result.set_reason(absl::StrFormat("no traffic: baseline total %d, canary total %d",
                                      input.baseline_total(), input.canary_total()));
    return;
  }
  const EventCounts counts{.canary_events = input.canary_events(),
                           .canary_total = input.canary_total(),
                           .baseline_events = input.baseline_events(),
                           .baseline_total = input.baseline_total()};
  const RateRatioTest test = CompareRates(counts, confidence_level);
  const double baseline_rate =
      static_cast<double>(input.baseline_events()) / static_cast<double>(input.baseline_total());
  const double canary_rate =
      static_cast<double>(input.canary_events()) / static_cast<double>(input.canary_total());
  result.set_p_value(test.p_value);
  result.set_rate_ratio(test.rate_ratio);
  result.set_ci_lower(test.ci_lower);
  result.set_ci_upper(test.ci_upper);
  result.set_baseline_level(baseline_rate);
  result.set_canary_level(canary_rate);
  result.set_method("exact conditional binomial");

  const bool significant = test.p_value < 1.0 - confidence_level;
  const auto evidence = absl::StrFormat(
      "canary %d/%d vs baseline %d/%d, rate ratio %.4g, %s CI [%.4g, %.4g], p=%.3g",
      input.canary_events(), input.canary_total(), input.baseline_events(), input.baseline_total(),
      test.rate_ratio, Percent(confidence_level), test.ci_lower, test.ci_upper, test.p_value);

  bool high, low, within;
  if (input.baseline_events() > 0) {
    // The allowance as a rate ratio: relative tolerance, or the absolute one
    // expressed relative to the baseline's rate, whichever is larger.
    const double relative =
        std::max(EffectiveTolerance(input), input.absolute_tolerance() / baseline_rate);
    result.set_allowed_change(1.0 + relative);
    high = significant && test.rate_ratio > 1.0 && test.rate_ratio >= 1.0 + relative;
    low = significant && test.rate_ratio < 1.0 && test.rate_ratio <= 1.0 - relative;
    within = (!IncreaseIsBad(input.direction()) || test.ci_upper <= 1.0 + relative) &&
             (!DecreaseIsBad(input.direction()) || test.ci_lower >= 1.0 - relative);
  } else {
    // A baseline without events has no rate to be relative to: only the
    // absolute tolerance can accept canary events, judged on the canary's own
    // exact upper bound.
    result.set_allowed_change(input.absolute_tolerance() > 0 ? kInfinity : 1.0);
    const double canary_upper =
        ClopperPearson(input.canary_events(), input.canary_total(), confidence_level).upper;
    high = significant && input.canary_events() > 0 && canary_rate >= input.absolute_tolerance();
    low = false;
    within = !IncreaseIsBad(input.direction()) || canary_upper <= input.absolute_tolerance();
  }
  const std::string with_allowance =
      input.baseline_events() > 0
          ? absl::StrFormat("%s; allowed ratio %.4g%s", evidence, result.allowed_change(),
                            DefaultToleranceNote(input))
          : absl::StrFormat("%s; baseline has no events, allowed canary rate %.4g", evidence,
                            input.absolute_tolerance());
  if (IncreaseIsBad(input.direction()) && high) {
    result.set_classification(v1::CLASSIFICATION_HIGH);
    result.set_reason(absl::StrCat("canary event rate significantly higher: ", with_allowance));
  } else if (DecreaseIsBad(input.direction()) && low) {
    result.set_classification(v1::CLASSIFICATION_LOW);
    result.set_reason(absl::StrCat("canary event rate significantly lower: ", with_allowance));
  } else if (within) {
    result.set_classification(v1::CLASSIFICATION_PASS);
    result.set_reason(absl::StrCat("within tolerance: ", with_allowance));
  } else {
    result.set_classification(v1::CLASSIFICATION_INCONCLUSIVE);
    result.set_reason(absl::StrCat(
        "not enough evidence: the CI still admits a rate beyond the allowance; ", with_allowance));
  }
}

}  // namespace

double EffectiveTolerance(const v1::MetricInput& input) {
  if (input.has_tolerance()) return input.tolerance();
  // A histogram's absolute_tolerance is its floor, not another allowance.
  if (input.kind() == v1::METRIC_KIND_HISTOGRAM) return kDefaultHistogramTolerance;
  if (input.absolute_tolerance() > 0) return 0.0;
  return input.kind() == v1::METRIC_KIND_COUNT ? kDefaultCountTolerance
                                               : kDefaultContinuousTolerance;
}

v1::MetricResult JudgeMetric(const v1::MetricInput& input, double confidence_level) {
  v1::MetricResult result;
  result.set_name(input.name());
  result.set_group(input.group().empty() ? "default" : input.group());
  result.set_critical(input.critical());
  if (input.kind() == v1::METRIC_KIND_COUNT) {
    JudgeCount(input, confidence_level, result);
  } else if (input.kind() == v1::METRIC_KIND_HISTOGRAM) {
    JudgeHistogram(input, EffectiveTolerance(input), confidence_level, DefaultToleranceNote(input),
                   result);
  } else {
    JudgeContinuous(input, confidence_level, result);
  }
  return result;
}

}  // namespace kanarya::analysis
