#include "analysis/mean_shift_sequence.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace kanarya::analysis {
namespace {

// log P(Z <= x), without underflow in the lower tail.
double LogNormalCdf(double x) {
  if (x > -30) return std::log(0.5 * std::erfc(-x / std::numbers::sqrt2));
  // Mills ratio: P(Z <= x) ~ phi(x) / -x (1 - 1/x^2 + 3/x^4).
  const double x2 = x * x;
  return -0.5 * x2 - std::log(-x) - 0.5 * std::log(2 * std::numbers::pi) +
         std::log1p(-1 / x2 + 3 / (x2 * x2));
}

}  // namespace

void MeanShiftSequence::Moments::Add(double x) {
  ++count;
  const double delta = x - mean;
  mean += delta / static_cast<double>(count);
  squares += delta * (x - mean);
}

void MeanShiftSequence::Add(std::span<const double> baseline, std::span<const double> canary) {
  for (double x : baseline) baseline_.Add(x);
  for (double x : canary) canary_.Add(x);
}

bool MeanShiftSequence::ready() const {
  return baseline_.count >= kMinSamplesPerSide && canary_.count >= kMinSamplesPerSide;
}

double MeanShiftSequence::EstimateVariance(double mixing_variance) const {
  const double variance = canary_.variance() / static_cast<double>(canary_.count) +
                          baseline_.variance() / static_cast<double>(baseline_.count);
  // Identical constant samples have no variance; keep the algebra finite
  // with a floor far below any meaningful shift.
  return std::max(variance, mixing_variance * 1e-12);
}

double MeanShiftSequence::LogEvidenceAbove(double excess, double mixing_sd) const {
  // With d = D - boundary, v = s^2 and t = mixing variance, the half-normal
  // mixture of likelihood ratios integrates to
  //   2 sqrt(v / (v + t)) exp(d^2 t / (2 v (v + t))) Phi(d sqrt(t) / sqrt(v (v + t))).
  const double t = mixing_sd * mixing_sd;
  const double v = EstimateVariance(t);
  return std::log(2.0) + 0.5 * std::log(v / (v + t)) + excess * excess * t / (2 * v * (v + t)) +
         LogNormalCdf(excess * std::sqrt(t) / std::sqrt(v * (v + t)));
}

double MeanShiftSequence::EvidenceAbove(double boundary, double mixing_sd) const {
  if (!ready()) return 1.0;
  return std::exp(LogEvidenceAbove(estimate() - boundary, mixing_sd));
}

double MeanShiftSequence::EvidenceBelow(double boundary, double mixing_sd) const {
  if (!ready()) return 1.0;
  return std::exp(LogEvidenceAbove(boundary - estimate(), mixing_sd));
}

Interval MeanShiftSequence::ConfidenceSequence(double alpha, double mixing_sd) const {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  if (!ready()) return {-kInfinity, kInfinity};
  // The two-sided mixture sqrt(v/(v+t)) exp(d^2 t / (2 v (v+t))) stays below
  // 1/alpha exactly for |d| below this half-width.
  const double t = mixing_sd * mixing_sd;
  const double v = EstimateVariance(t);
  const double half_width =
      std::sqrt(2 * v * (v + t) / t * (std::log(1 / alpha) + 0.5 * std::log((v + t) / v)));
  return {estimate() - half_width, estimate() + half_width};
}

}  // namespace kanarya::analysis
