// Anytime-valid inference on per-tick means of canary and baseline: the
// normal-mixture sequential probability ratio test (mSPRT) of Johari, Pekelis
// & Walsh, "Always valid inference" (2017/2022), on the ticks where both sides
// were observed. Each tick contributes one difference d_t = c_t - f b_t of the
// sides' means; the variance of their running mean is the long-run variance of
// d (long_run_variance.h) over the ticks, so the test stays calibrated when
// per-tick values are autocorrelated, and a load both sides share cancels.
// The estimated variance is not taken as known: the standardised mean is read
// through Student's t with the estimate's effective degrees of freedom, which
// tends to the normal as ticks accumulate. Given the baseline's ticks from
// before the rollout, the dependence is learnt from them instead and only
// the marginal variance is estimated, with far more degrees of freedom;
// this assumes the canary's dependence is no stronger than the baseline's
// history shows. With a plug-in variance this is an
// asymptotic confidence sequence in the sense of Waudby-Smith et al. (2024)
// (docs/sequential.md). Not thread-safe.
#ifndef KANARYA_ANALYSIS_MEAN_SHIFT_SEQUENCE_H_
#define KANARYA_ANALYSIS_MEAN_SHIFT_SEQUENCE_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "analysis/interval.h"
#include "analysis/long_run_variance.h"

namespace kanarya::analysis {

// The null hypothesis' edge: mean(canary) = baseline_factor x mean(baseline) + shift.
struct Edge {
  double baseline_factor = 1.0;
  double shift = 0.0;
};

// The spread of the normal mixture over the mean of d, fixed before the data:
// a standard deviation in the metric's units, or (in_noise_units) in units of
// d's estimated long-run standard deviation per tick.
struct Mixing {
  double sd;
  bool in_noise_units;
};

class MeanShiftSequence {
 public:
  // Without history: the dependence is estimated from the rollout's ticks.
  MeanShiftSequence() = default;
  // With the baseline's finite samples per tick from before the rollout
  // (ticks without any are skipped):
  // with at least kMinHistoryTicks of them, their dependence ratio (long-run
  // over marginal variance) is taken as known — raised by the rollout's own
  // estimate once it has kMinHistoryTicks paired ticks — and only the
  // marginal variance of the differences is estimated. Shorter histories are
  // ignored.
  static constexpr int64_t kMinHistoryTicks = 30;
  explicit MeanShiftSequence(std::span<const std::vector<double>> baseline_history);

  // Whether a history of at least kMinHistoryTicks was given.
  bool has_history() const { return history_dependence_ > 0; }

  // One tick's finite observations of either side; returns whether both
  // sides had some, the only ticks the test uses.
  bool AddTick(std::span<const double> baseline, std::span<const double> canary);

  // Whether kMinTicks ticks had both sides: before that the long-run
  // variance is too rough to plug in.
  static constexpr int64_t kMinTicks = 10;
  bool ready() const { return ticks() >= kMinTicks; }
  int64_t ticks() const { return static_cast<int64_t>(canary_means_.size()); }
  int64_t baseline_count() const { return baseline_count_; }
  int64_t canary_count() const { return canary_count_; }
  // Means over the paired ticks of the sides' per-tick means.
  double baseline_mean() const;
  double estimate() const;  // canary - baseline

  // Evidence (an e-value: a non-negative supermartingale with initial value
  // 1 under the null, asymptotically) against "mean(canary) <= edge", from a
  // half-normal mixture over larger means; 1 until ready(). EvidenceBelowEdge
  // mirrors it for ">= edge". mixing.sd > 0.
  double EvidenceAboveEdge(Edge edge, Mixing mixing) const;
  double EvidenceBelowEdge(Edge edge, Mixing mixing) const;

  // The values of mean(canary) - baseline_factor x mean(baseline) not
  // rejected at level alpha by the two-sided mixture test on
  // d_t = c_t - baseline_factor x b_t with d's own variance: a confidence
  // sequence, valid simultaneously over time. With factor 1 it bounds the
  // shift canary - baseline; with 1 + tolerance, the excess over a relative
  // allowance without taking the baseline's estimated level as exact.
  // (-inf, inf) until ready().
  Interval ConfidenceSequence(double alpha, Mixing mixing, double baseline_factor = 1.0) const;

 private:
  // The mean of d under the edge, and the estimated long-run variance of d
  // per tick with its degrees of freedom.
  struct Moments {
    double mean;
    LongRunVarianceEstimate per_tick;
  };
  // Computed once per factor and tick: evidence and confidence sequences
  // at the same factor share them.
  const Moments& Differences(double baseline_factor) const;
  Moments ComputeDifferences(double baseline_factor) const;
  // Variances of the mean and of the mixture, floored so that constant
  // samples stay finite.
  struct Scales {
    double mean_variance;
    double mixing_variance;
  };
  Scales ScalesOf(const Moments& d, Mixing mixing) const;
  // The mean's excess over the edge, studentised, moved to the normal scale
  // and back in units of the estimated deviation of the mean.
  static double CalibratedExcess(double excess, const Moments& d, const Scales& scales);
  static double LogEvidenceAbove(double excess, const Scales& scales);

  // The history's dependence ratio (long-run over marginal variance); 0
  // without a usable history.
  double history_dependence_ = 0;
  std::vector<double> baseline_means_;
  std::vector<double> canary_means_;
  int64_t baseline_count_ = 0;
  int64_t canary_count_ = 0;
  // Differences by baseline factor for the ticks so far; cleared by AddTick.
  mutable std::vector<std::pair<double, Moments>> differences_cache_;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_MEAN_SHIFT_SEQUENCE_H_
