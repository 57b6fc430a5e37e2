// Anytime-valid tests of one side's share of events (requests slower than a
// bound, out of all its requests) against a fixed level a: the likelihood
// ratio of a Poisson rate p against a, (p/a)^x exp(-n (p - a)) per tick,
// mixed over p with a normal prior on log(p/a). Each component is a
// supermartingale under every share on the other side of a, for Poisson and
// for binomial counts alike (docs/sequential.md), so the mixtures are valid
// for the whole one-sided null. Not thread-safe; pure otherwise.
#ifndef KANARYA_ANALYSIS_SHARE_SEQUENCE_H_
#define KANARYA_ANALYSIS_SHARE_SEQUENCE_H_

#include <array>
#include <cstdint>

namespace kanarya::analysis {

class ShareSequence {
 public:
  // level in (0, 1]; mixing_sd > 0, the prior's standard deviation of log(p/a).
  ShareSequence(double level, double mixing_sd);

  // One tick: `events` of `trials`, both >= 0 and events <= trials; the
  // caller keeps the running sums within 2^62.
  void Add(int64_t events, int64_t trials);

  // Evidence (an e-value) against "share <= level", from the mixture over
  // larger shares; EvidenceBelow against "share >= level".
  double EvidenceAbove() const;
  double EvidenceBelow() const;

 private:
  // log(p/a) from -5 to 5 in steps of 0.1, without 0: the prior's
  // resolution limits nothing but how fast evidence can grow.
  static constexpr int kGridHalfWidth = 50;

  double LogEvidence(bool above) const;

  const double level_;
  // Per grid step k (1-based) on either side: the prior's log weight,
  // normalised over its side, and exp(+-k step) - 1.
  std::array<double, kGridHalfWidth> log_weights_;
  std::array<double, kGridHalfWidth> ratio_above_minus_one_;
  std::array<double, kGridHalfWidth> ratio_below_minus_one_;
  double events_ = 0.0;
  double trials_ = 0.0;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_SHARE_SEQUENCE_H_
