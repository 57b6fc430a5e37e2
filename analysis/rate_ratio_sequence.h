// Anytime-valid inference on the ratio of event rates, canary / baseline, in
// the spirit of Lindon & Malek, "Anytime-valid inference for multinomial count
// data" (NeurIPS 2022). Given each tick's traffic, an event is the canary's
// with probability rho t_c / (rho t_c + t_b) under rate ratio rho; the
// likelihood ratio of any rho against the null is a martingale whatever the
// traffic shares, so evidence accumulates across ticks and steps whose canary
// weight changes. The mixture over rho is a normal prior on log rho on a
// fixed grid. It stays a supermartingale when each request is an event with
// some probability (binomial rather than Poisson counts), however large:
// docs/sequential.md. Not thread-safe; pure otherwise.
#ifndef KANARYA_ANALYSIS_RATE_RATIO_SEQUENCE_H_
#define KANARYA_ANALYSIS_RATE_RATIO_SEQUENCE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/interval.h"

namespace kanarya::analysis {

class RateRatioSequence {
 public:
  // mixing_sd > 0: standard deviation of the prior on log rho. Evidence is
  // available against the given boundary ratios (each > 0), tracked exactly.
  RateRatioSequence(double mixing_sd, const std::vector<double>& boundaries);

  // Running events and totals stay within this bound; validation rejects
  // timelines beyond it (ValidateTimeline), so Add never refuses valid input.
  static constexpr int64_t kMaxCumulativeCount = int64_t{1} << 62;

  // One tick's traffic on each side and what it implies for every ratio of
  // the grid; computed once for the sequences that see the same tick (the
  // bounds of a histogram). Immutable.
  class Split {
   public:
    Split(int64_t canary_total, int64_t baseline_total);

   private:
    friend class RateRatioSequence;
    int64_t canary_total_;
    int64_t baseline_total_;
    double canary_share_ = 0.0;
    // log(rho s + 1 - s) on the grid; empty when a side had no traffic.
    std::vector<double> log_normalizers_;
  };

  // One tick's increments; a tick without traffic on a side adds no
  // evidence. Returns false, and adds nothing, for a tick with a negative
  // increment or one that would take a running count beyond
  // kMaxCumulativeCount (no overflow whatever the input).
  bool Add(int64_t canary_events, int64_t canary_total, int64_t baseline_events,
           int64_t baseline_total);
  bool Add(int64_t canary_events, int64_t baseline_events, const Split& split);

  int64_t canary_total() const { return canary_total_; }
  int64_t baseline_total() const { return baseline_total_; }
  int64_t canary_events() const { return canary_events_; }
  int64_t baseline_events() const { return baseline_events_; }
  // (canary events / canary total) / (baseline events / baseline total).
  double estimate() const;

  // Evidence (an e-value) against "rho <= boundaries[index]" from the
  // mixture over larger ratios; EvidenceBelowBoundaryAt against
  // "rho >= boundaries[index]".
  double EvidenceAboveBoundaryAt(size_t index) const;
  double EvidenceBelowBoundaryAt(size_t index) const;

  // Ratios not rejected at level alpha, to the grid's resolution (rounded
  // outwards; 0 and +inf past the grid's ends).
  Interval ConfidenceSequence(double alpha) const;

 private:
  // The prior-weighted likelihoods, scaled by exp(-peak), from which every
  // evidence is a partial sum: computed once after each tick, when asked.
  void Refresh() const;
  double MixtureLogEvidence(size_t boundary, bool above) const;

  std::vector<double> log_likelihood_;  // per grid point, against rho = 1
  std::vector<double> log_boundaries_;
  std::vector<double> boundary_log_likelihood_;
  // Per boundary, the grid points above it ([first_above, end)) and below
  // it ([0, end_below)), and the log of the prior mass of each.
  std::vector<size_t> first_above_;
  std::vector<size_t> end_below_;
  std::vector<double> log_prior_above_;
  std::vector<double> log_prior_below_;
  std::vector<double> log_weights_;  // normalised prior weights, logs
  int64_t canary_events_ = 0;
  int64_t canary_total_ = 0;
  int64_t baseline_events_ = 0;
  int64_t baseline_total_ = 0;
  mutable bool fresh_ = false;
  mutable double peak_ = 0.0;
  mutable std::vector<double> scaled_;
  mutable double log_total_ = 0.0;  // log of the whole mixture
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_RATE_RATIO_SEQUENCE_H_
