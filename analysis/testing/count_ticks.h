// Simulated ticks of a count metric for tests of the sequential analysis:
// Poisson traffic split by the canary weight and binomial errors per request.
// Header-only; the caller owns the random engine.
#ifndef KANARYA_ANALYSIS_TESTING_COUNT_TICKS_H_
#define KANARYA_ANALYSIS_TESTING_COUNT_TICKS_H_

#include <cstdint>
#include <random>
#include <string>

#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis::testing {

// One tick of `requests` expected requests, `weight` of them to the canary;
// errors at `base_rate` on the baseline and `canary_factor` x that on the
// canary, recorded under `metric`.
inline v1::Tick CountTick(std::mt19937_64& rng, double requests, double weight, double base_rate,
                          double canary_factor, const std::string& metric = "errors") {
  std::poisson_distribution<int64_t> canary_requests(requests * weight);
  std::poisson_distribution<int64_t> baseline_requests(requests * (1 - weight));
  const int64_t canary_total = canary_requests(rng);
  const int64_t baseline_total = baseline_requests(rng);
  std::binomial_distribution<int64_t> canary_errors(canary_total, base_rate * canary_factor);
  std::binomial_distribution<int64_t> baseline_errors(baseline_total, base_rate);
  v1::Tick tick;
  tick.set_canary_weight(100 * weight);
  v1::Observation& o = (*tick.mutable_metrics())[metric];
  o.set_canary_total(canary_total);
  o.set_canary_events(canary_errors(rng));
  o.set_baseline_total(baseline_total);
  o.set_baseline_events(baseline_errors(rng));
  return tick;
}

}  // namespace kanarya::analysis::testing

#endif  // KANARYA_ANALYSIS_TESTING_COUNT_TICKS_H_
