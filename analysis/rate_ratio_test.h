// Exact comparison of two event rates (events out of a total on each side),
// conditional on the total number of events: canary events ~ Binomial(
// events_c + events_b, total_c / (total_c + total_b)) when the rates are
// equal. p-value and interval match R's poisson.test(c(e_c, e_b), c(t_c, t_b)).
// Works with zero events on either side. Pure functions; thread-safe.
#ifndef KANARYA_ANALYSIS_RATE_RATIO_TEST_H_
#define KANARYA_ANALYSIS_RATE_RATIO_TEST_H_

#include <cstdint>

namespace kanarya::analysis {

struct EventCounts {
  int64_t canary_events = 0;
  int64_t canary_total = 0;
  int64_t baseline_events = 0;
  int64_t baseline_total = 0;
};

struct RateRatioTest {
  double p_value = 1.0;
  // (canary_events / canary_total) / (baseline_events / baseline_total):
  // +inf when only the canary has events, NaN when neither has.
  double rate_ratio = 0.0;
  // Exact interval of the ratio from the Clopper-Pearson interval of the
  // canary's share of events; [0, +inf] when there are no events at all.
  double ci_lower = 0.0;
  double ci_upper = 0.0;
};

// Requires both totals > 0 and 0 <= events <= total on each side.
RateRatioTest CompareRates(const EventCounts& counts, double confidence_level);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_RATE_RATIO_TEST_H_
