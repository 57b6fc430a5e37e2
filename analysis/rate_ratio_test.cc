#include "analysis/rate_ratio_test.h"

#include <limits>

#include "analysis/binomial.h"

namespace kanarya::analysis {
namespace {

// Rate ratio implied by the canary's share of events, given the exposures.
double ShareToRatio(double share, double exposure_ratio) {
  if (share >= 1.0) return std::numeric_limits<double>::infinity();
  return share / (1.0 - share) * exposure_ratio;
}

}  // namespace

RateRatioTest CompareRates(const EventCounts& counts, double confidence_level) {
  const double canary_total = static_cast<double>(counts.canary_total);
  const double baseline_total = static_cast<double>(counts.baseline_total);
  const int64_t events = counts.canary_events + counts.baseline_events;
  const double canary_share_of_traffic = canary_total / (canary_total + baseline_total);
  // Baseline exposure over canary exposure: converts odds of the event share
  // into a ratio of rates.
  const double exposure_ratio = baseline_total / canary_total;

  RateRatioTest result;
  result.p_value = BinomialTwoSidedPValue(counts.canary_events, events, canary_share_of_traffic);
  result.rate_ratio = (static_cast<double>(counts.canary_events) / canary_total) /
                      (static_cast<double>(counts.baseline_events) / baseline_total);
  const Interval share = ClopperPearson(counts.canary_events, events, confidence_level);
  result.ci_lower = ShareToRatio(share.lower, exposure_ratio);
  result.ci_upper = ShareToRatio(share.upper, exposure_ratio);
  return result;
}

}  // namespace kanarya::analysis
