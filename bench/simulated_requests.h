// The requests of one side in one tick of the rollout simulation: log-normal
// latencies counted in Istio's default buckets, and their mean, from the same
// requests. The counts are multinomial (successive binomials); the mean is
// the bucket counts times each bucket's conditional mean, plus the normal
// approximation of the spread within each bucket, so the per-tick mean and
// the histogram describe one set of requests. Header-only; bench code.
#ifndef KANARYA_BENCH_SIMULATED_REQUESTS_H_
#define KANARYA_BENCH_SIMULATED_REQUESTS_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>

#include "analysis/normal.h"
#include "analysis/testing/histogram_ticks.h"

namespace kanarya::bench {

inline constexpr size_t kBuckets = 20;  // Istio's 19 finite bounds and +Inf

// Log-normal latencies of one side: each bucket's share of the requests and
// the mean and standard deviation of the latencies that fall in it.
class LatencyModel {
 public:
  LatencyModel(double mu, double sigma) {
    const auto& bounds = analysis::testing::IstioBounds();
    double previous = -INFINITY;  // log of the bucket's lower edge
    for (size_t k = 0; k < kBuckets; ++k) {
      const double upper = std::log(bounds[k]);
      // E[X^j; a < X <= b] = exp(j mu + j^2 sigma^2 / 2) (Phi(beta - j sigma) - Phi(alpha - j
      // sigma)).
      const auto moment = [&](double j) {
        const double alpha = (previous - mu) / sigma - j * sigma;
        const double beta = (upper - mu) / sigma - j * sigma;
        return std::exp(j * mu + j * j * sigma * sigma / 2) *
               (analysis::NormalCdf(beta) - analysis::NormalCdf(alpha));
      };
      shares_[k] = moment(0);
      if (shares_[k] > 1e-300) {
        mean_[k] = moment(1) / shares_[k];
        sd_[k] = std::sqrt(std::max(0.0, moment(2) / shares_[k] - mean_[k] * mean_[k]));
      } else {
        mean_[k] = std::isinf(bounds[k]) ? bounds[k - 1] : bounds[k];
        sd_[k] = 0;
      }
      previous = upper;
    }
  }

  // Draws `n` requests: their count per bucket and their mean latency.
  template <typename Counts>
  double Draw(std::mt19937_64& rng, int64_t n, Counts& counts) const {
    std::normal_distribution<double> unit(0, 1);
    double left = 1.0, sum = 0.0;
    const int64_t total = n;
    for (size_t k = 0; k < kBuckets; ++k) {
      const double p = left > 0 ? std::clamp(shares_[k] / left, 0.0, 1.0) : 0.0;
      const int64_t in_bucket =
          k + 1 == kBuckets ? n : (n > 0 ? std::binomial_distribution<int64_t>(n, p)(rng) : 0);
      counts[k] = static_cast<typename Counts::value_type>(in_bucket);
      if (in_bucket > 0) {
        sum += static_cast<double>(in_bucket) * mean_[k] +
               std::sqrt(static_cast<double>(in_bucket)) * sd_[k] * unit(rng);
      }
      n -= in_bucket;
      left -= shares_[k];
    }
    return total > 0 ? sum / static_cast<double>(total) : 0.0;
  }

 private:
  std::array<double, kBuckets> shares_{};
  std::array<double, kBuckets> mean_{};
  std::array<double, kBuckets> sd_{};
};

}  // namespace kanarya::bench

#endif  // KANARYA_BENCH_SIMULATED_REQUESTS_H_
