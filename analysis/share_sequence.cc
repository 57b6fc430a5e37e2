#include "analysis/share_sequence.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kanarya::analysis {
namespace {

constexpr double kGridStep = 0.1;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

ShareSequence::ShareSequence(double level, double mixing_sd) : level_(level) {
  double peak = -kInfinity;
  for (int k = 1; k <= kGridHalfWidth; ++k) {
    const double log_ratio = k * kGridStep;
    log_weights_[k - 1] = -0.5 * log_ratio * log_ratio / (mixing_sd * mixing_sd);
    peak = std::max(peak, log_weights_[k - 1]);
    ratio_above_minus_one_[k - 1] = std::expm1(log_ratio);
    ratio_below_minus_one_[k - 1] = std::expm1(-log_ratio);
  }
  double sum = 0.0;
  for (double w : log_weights_) sum += std::exp(w - peak);
  const double log_total = peak + std::log(sum);
  for (double& w : log_weights_) w -= log_total;
}

void ShareSequence::Add(int64_t events, int64_t trials) {
  events_ += static_cast<double>(events);
  trials_ += static_cast<double>(trials);
}

double ShareSequence::LogEvidence(bool above) const {
  // x log(p/a) - n a (p/a - 1): the log likelihood ratio of p against a,
  // weighted and summed relative to the largest term.
  std::array<double, kGridHalfWidth> terms;
  double peak = -kInfinity;
  for (int i = 0; i < kGridHalfWidth; ++i) {
    const double log_ratio = (above ? 1.0 : -1.0) * (i + 1) * kGridStep;
    const double ratio_minus_one = above ? ratio_above_minus_one_[i] : ratio_below_minus_one_[i];
    terms[i] = log_weights_[i] + events_ * log_ratio - trials_ * level_ * ratio_minus_one;
    peak = std::max(peak, terms[i]);
  }
  // Terms below exp(-40) of the largest are left out, as in
  // rate_ratio_sequence.cc: they can only lower the evidence.
  double sum = 0.0;
  for (double t : terms) {
    if (t - peak > -40.0) sum += std::exp(t - peak);
  }
  return peak + std::log(sum);
}

double ShareSequence::EvidenceAbove() const { return std::exp(LogEvidence(true)); }

double ShareSequence::EvidenceBelow() const { return std::exp(LogEvidence(false)); }

}  // namespace kanarya::analysis
