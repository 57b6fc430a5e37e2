// Anytime-valid inference on the shift of means, canary - baseline: the
// normal-mixture sequential probability ratio test (mSPRT) of Johari, Pekelis
// & Walsh, "Always valid inference" (2017/2022). The caller fixes the mixing
// standard deviation before the data and passes the same value every time. The estimate D =
// mean(canary) - mean(baseline) has variance s^2 = var_c / n_c + var_b / n_b, with the variances
// estimated from the data: the guarantees hold exactly for normal data of known variance and
// asymptotically otherwise (docs/sequential.md). Not thread-safe; pure otherwise.
#ifndef KANARYA_ANALYSIS_MEAN_SHIFT_SEQUENCE_H_
#define KANARYA_ANALYSIS_MEAN_SHIFT_SEQUENCE_H_

#include <cstdint>
#include <span>

#include "analysis/interval.h"

namespace kanarya::analysis {

class MeanShiftSequence {
 public:
  // Adds finite observations of either side.
  void Add(std::span<const double> baseline, std::span<const double> canary);

  // Whether both sides have kMinSamplesPerSide observations: before that the
  // estimated variances are too rough to plug in.
  static constexpr int64_t kMinSamplesPerSide = 10;
  bool ready() const;
  int64_t baseline_count() const { return baseline_.count; }
  int64_t canary_count() const { return canary_.count; }
  double baseline_mean() const { return baseline_.mean; }
  double estimate() const { return canary_.mean - baseline_.mean; }

  // Evidence (an e-value: a non-negative supermartingale with initial value
  // 1 under the null) against "shift <= boundary", from a half-normal mixture
  // with standard deviation mixing_sd > 0 over shifts above it; 1 until
  // ready(). EvidenceBelow mirrors it.
  double EvidenceAbove(double boundary, double mixing_sd) const;
  double EvidenceBelow(double boundary, double mixing_sd) const;

  // The shifts not rejected at level alpha by the two-sided mixture test: a
  // confidence sequence, valid simultaneously over time. (-inf, inf) until ready().
  Interval ConfidenceSequence(double alpha, double mixing_sd) const;

 private:
  // Welford's running mean and sum of squared deviations.
  struct Moments {
    int64_t count = 0;
    double mean = 0.0;
    double squares = 0.0;
    void Add(double x);
    double variance() const { return count > 1 ? squares / static_cast<double>(count - 1) : 0.0; }
  };

  // Variance of the estimate, floored so that constant samples stay finite.
  double EstimateVariance(double mixing_variance) const;
  double LogEvidenceAbove(double excess, double mixing_sd) const;

  Moments baseline_;
  Moments canary_;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_MEAN_SHIFT_SEQUENCE_H_
