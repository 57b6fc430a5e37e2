// Simulated ticks of a histogram metric for tests of the analysis: Poisson
// traffic split by the canary weight, each request's latency log-normal and
// counted in its bucket (multinomial counts drawn bucket by bucket).
// Header-only; the caller owns the random engine.
#ifndef KANARYA_ANALYSIS_TESTING_HISTOGRAM_TICKS_H_
#define KANARYA_ANALYSIS_TESTING_HISTOGRAM_TICKS_H_

#include <google/protobuf/repeated_field.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis::testing {

// Istio's default buckets for istio_request_duration_milliseconds.
inline const std::vector<double>& IstioBounds() {
  static const std::vector<double> bounds = {
      0.5,    1,      5,       10,      25,
      50,     100,    250,     500,     1000,
      2500,   5000,   10000,   30000,   60000,
      300000, 600000, 1800000, 3600000, std::numeric_limits<double>::infinity()};
  return bounds;
}

// The share of requests in each bucket of `bounds` (the last +Inf) for a
// log-normal latency with the given median and log-scale sigma.
inline std::vector<double> LogNormalShares(const std::vector<double>& bounds, double median,
                                           double sigma) {
  std::vector<double> shares;
  double below = 0.0;
  for (double bound : bounds) {
    const double cdf =
        std::isinf(bound) ? 1.0 : 0.5 * std::erfc(-std::log(bound / median) / (sigma * M_SQRT2));
    shares.push_back(cdf - below);
    below = cdf;
  }
  return shares;
}

// Multinomial(n, shares) bucket counts, drawn as successive binomials.
inline void DrawBuckets(std::mt19937_64& rng, int64_t n, const std::vector<double>& shares,
                        google::protobuf::RepeatedField<int64_t>& out) {
  double left = 1.0;
  for (double share : shares) {
    const double p = left > 0 ? std::min(1.0, std::max(0.0, share / left)) : 0.0;
    const int64_t k = n > 0 ? std::binomial_distribution<int64_t>(n, p)(rng) : 0;
    out.Add(k);
    n -= k;
    left -= share;
  }
  // Rounding may leave a request or so unplaced: it is the slowest bucket's.
  out.Set(out.size() - 1, out.Get(out.size() - 1) + n);
}

// One tick of `requests` expected requests, `weight` of them to the canary;
// latencies bucketed by `bounds` with the sides' bucket shares.
inline v1::Tick HistogramTick(std::mt19937_64& rng, const std::vector<double>& bounds,
                              const std::vector<double>& baseline_shares,
                              const std::vector<double>& canary_shares, double requests,
                              double weight, const std::string& metric = "latency") {
  std::poisson_distribution<int64_t> canary_requests(requests * weight);
  std::poisson_distribution<int64_t> baseline_requests(requests * (1 - weight));
  v1::Tick tick;
  tick.set_canary_weight(100 * weight);
  v1::Observation& o = (*tick.mutable_metrics())[metric];
  o.mutable_bucket_bounds()->Add(bounds.begin(), bounds.end());
  DrawBuckets(rng, baseline_requests(rng), baseline_shares, *o.mutable_baseline_buckets());
  DrawBuckets(rng, canary_requests(rng), canary_shares, *o.mutable_canary_buckets());
  return tick;
}

}  // namespace kanarya::analysis::testing

#endif  // KANARYA_ANALYSIS_TESTING_HISTOGRAM_TICKS_H_
