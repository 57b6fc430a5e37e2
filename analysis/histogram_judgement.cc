#include "analysis/histogram_judgement.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/binomial.h"
#include "analysis/histogram_metric.h"
#include "analysis/histogram_quantiles.h"
#include "analysis/rank_sum_test.h"
#include "analysis/rate_ratio_test.h"

namespace kanarya::analysis {
namespace {

// One finite bound: the shares of requests above it and how they compare.
struct BoundReading {
  double bound;
  int64_t canary_above;
  int64_t baseline_above;
  RateRatioTest ratio;
  double canary_share;
  double allowance;  // the canary's largest acceptable share
  bool within;       // shown within the allowance
  bool reaches;      // the canary's share reaches the allowance
};

std::span<const int64_t> Span(const google::protobuf::RepeatedField<int64_t>& field) {
  return {field.data(), static_cast<size_t>(field.size())};
}

}  // namespace

void JudgeHistogram(const v1::MetricInput& input, double tolerance, double confidence_level,
                    const std::string& default_note, v1::MetricResult& result) {
  const std::vector<int64_t> baseline = Cumulative(Span(input.baseline_buckets()));
  const std::vector<int64_t> canary = Cumulative(Span(input.canary_buckets()));
  const int64_t baseline_total = baseline.back();
  const int64_t canary_total = canary.back();
  result.set_baseline_count(baseline_total);
  result.set_canary_count(canary_total);
  if (baseline_total == 0 || canary_total == 0) {
    result.set_classification(v1::CLASSIFICATION_NODATA);
    result.set_reason(
        absl::StrFormat("no requests: baseline %d, canary %d", baseline_total, canary_total));
    return;
  }
  const double floor =
      input.absolute_tolerance() > 0 ? input.absolute_tolerance() : kDefaultHistogramShareFloor;
  const std::span<const double> bounds(input.bucket_bounds().data(),
                                       static_cast<size_t>(input.bucket_bounds().size()));
  std::vector<BoundReading> readings;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    BoundReading r{.bound = bounds[i],
                   .canary_above = canary_total - canary[i],
                   .baseline_above = baseline_total - baseline[i]};
    r.ratio = CompareRates({.canary_events = r.canary_above,
                            .canary_total = canary_total,
                            .baseline_events = r.baseline_above,
                            .baseline_total = baseline_total},
                           confidence_level);
    r.canary_share = static_cast<double>(r.canary_above) / static_cast<double>(canary_total);
    const double baseline_share =
        static_cast<double>(r.baseline_above) / static_cast<double>(baseline_total);
    r.allowance = std::max((1 + tolerance) * baseline_share, floor);
    r.within = r.ratio.ci_upper <= 1 + tolerance ||
               ClopperPearson(r.canary_above, canary_total, confidence_level).upper <= floor;
    r.reaches = r.canary_above > 0 && r.canary_share >= r.allowance;
    readings.push_back(r);
  }

  const RankSumTest test =
      BucketRankSum(Span(input.canary_buckets()), Span(input.baseline_buckets()));
  const double null_u =
      static_cast<double>(canary_total) * static_cast<double>(baseline_total) / 2.0;
  const bool slower = test.p_value < 1.0 - confidence_level && test.u > null_u;
  const bool high = slower && std::any_of(readings.begin(), readings.end(),
                                          [](const BoundReading& r) { return r.reaches; });
  const bool pass =
      std::all_of(readings.begin(), readings.end(), [](const BoundReading& r) { return r.within; });
  // The bound reported: the canary's share furthest past its allowance,
  // among the bounds that make the classification (those that reach it
  // when HIGH, those not shown within it when not PASS).
  const BoundReading* shown = nullptr;
  for (const BoundReading& r : readings) {
    if (high ? !r.reaches : (!pass && r.within)) continue;
    if (shown == nullptr || r.canary_share / r.allowance > shown->canary_share / shown->allowance) {
      shown = &r;
    }
  }

  const std::vector<v1::QuantileEstimate> quantiles =
      CompareQuantiles({bounds, baseline}, {bounds, canary});
  result.mutable_quantiles()->Add(quantiles.begin(), quantiles.end());
  result.set_p_value(test.p_value);
  result.set_u_statistic(test.u);
  result.set_baseline_level(quantiles.front().baseline());
  result.set_canary_level(quantiles.front().canary());
  result.set_allowed_change(1 + tolerance);
  result.set_method(test.exact ? "exact Mann-Whitney on bucket ranks"
                               : "Mann-Whitney on bucket ranks, normal approximation");
  std::string at_bound;
  if (shown != nullptr) {
    result.set_bucket_bound(shown->bound);
    result.set_rate_ratio(shown->ratio.rate_ratio);
    result.set_ci_lower(shown->ratio.ci_lower);
    result.set_ci_upper(shown->ratio.ci_upper);
    at_bound = absl::StrFormat(
        "above %g: canary %d of %d requests, baseline %d of %d, share ratio %.4g, %g%% CI "
        "[%.4g, %.4g]",
        shown->bound, shown->canary_above, canary_total, shown->baseline_above, baseline_total,
        shown->ratio.rate_ratio, confidence_level * 100, shown->ratio.ci_lower,
        shown->ratio.ci_upper);
  }
  const std::string evidence = absl::StrFormat(
      "p=%.3g; %s; allowed the larger of %g x the baseline's share and %g at every bound%s; %s",
      test.p_value, at_bound, 1 + tolerance, floor, default_note, DescribeQuantiles(quantiles));
  if (high) {
    result.set_classification(v1::CLASSIFICATION_HIGH);
    result.set_reason(absl::StrCat("canary significantly slower: ", evidence));
  } else if (pass) {
    result.set_classification(v1::CLASSIFICATION_PASS);
    result.set_reason(absl::StrCat("within tolerance at every bound: ", evidence));
  } else {
    result.set_classification(v1::CLASSIFICATION_INCONCLUSIVE);
    result.set_reason(absl::StrCat(
        "not enough evidence: a bound's interval still admits a share beyond the allowance; ",
        evidence));
  }
}

}  // namespace kanarya::analysis
