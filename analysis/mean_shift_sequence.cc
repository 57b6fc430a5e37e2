#include "analysis/mean_shift_sequence.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace kanarya::analysis {
namespace {

// x^2 / 2 + log P(Z <= x), without underflow or cancellation in the lower tail.
double LogScaledNormalCdf(double x) {
  const double x2 = x * x;
  if (x > -30) return 0.5 * x2 + std::log(0.5 * std::erfc(-x / std::numbers::sqrt2));
  // Mills ratio: P(Z <= x) ~ phi(x) / -x (1 - 1/x^2 + 3/x^4).
  return -std::log(-x) - 0.5 * std::log(2 * std::numbers::pi) + std::log1p(-1 / x2 + 3 / (x2 * x2));
}

double Mean(std::span<const double> values) {
  double sum = 0;
  for (double x : values) sum += x;
  return sum / static_cast<double>(values.size());
}

}  // namespace

MeanShiftSequence::MeanShiftSequence(std::span<const std::vector<double>> baseline_history) {
  std::vector<double> means;
  for (const std::vector<double>& tick : baseline_history) {
    if (!tick.empty()) means.push_back(Mean(tick));
  }
  if (static_cast<int64_t>(means.size()) >= kMinHistoryTicks) {
    history_dependence_ = EstimateLongRunVariance(means).dependence;
  }
}

bool MeanShiftSequence::AddTick(std::span<const double> baseline, std::span<const double> canary) {
  if (baseline.empty() || canary.empty()) return false;
  differences_cache_.clear();
  baseline_means_.push_back(Mean(baseline));
  canary_means_.push_back(Mean(canary));
  baseline_count_ += static_cast<int64_t>(baseline.size());
  canary_count_ += static_cast<int64_t>(canary.size());
  return true;
}

double MeanShiftSequence::baseline_mean() const {
  return baseline_means_.empty() ? 0.0 : Mean(baseline_means_);
}

double MeanShiftSequence::estimate() const {
  return canary_means_.empty() ? 0.0 : Mean(canary_means_) - baseline_mean();
}

const MeanShiftSequence::Moments& MeanShiftSequence::Differences(double baseline_factor) const {
  for (const auto& [factor, moments] : differences_cache_) {
    if (factor == baseline_factor) return moments;
  }
  return differences_cache_.emplace_back(baseline_factor, ComputeDifferences(baseline_factor))
      .second;
}

MeanShiftSequence::Moments MeanShiftSequence::ComputeDifferences(double baseline_factor) const {
  std::vector<double> d(canary_means_.size());
  for (size_t t = 0; t < d.size(); ++t) {
    d[t] = canary_means_[t] - baseline_factor * baseline_means_[t];
  }
  if (!has_history()) return {Mean(d), EstimateLongRunVariance(d)};
  // The history sets the dependence. Once the rollout has as many ticks as a
  // history needs, its own estimate can raise it: a canary more persistent
  // than the baseline is not taken for a regression for long.
  double dependence = history_dependence_;
  if (ticks() >= kMinHistoryTicks) {
    dependence = std::max(dependence, EstimateLongRunVariance(d).dependence);
  }
  return {Mean(d), EstimateLongRunVarianceWithDependence(d, dependence)};
}

MeanShiftSequence::Scales MeanShiftSequence::ScalesOf(const Moments& d, Mixing mixing) const {
  // Identical constant samples have no variance; keep the algebra finite
  // with a floor far below any meaningful shift of the metric's level.
  const double level = std::max(std::fabs(Mean(canary_means_)), std::fabs(baseline_mean()));
  const double floor = std::max(1e-24 * level * level, std::numeric_limits<double>::min());
  const double count = static_cast<double>(ticks());
  const double variance = std::max(d.per_tick.variance / count, floor);
  return {variance, mixing.sd * mixing.sd * (mixing.in_noise_units ? variance * count : 1.0)};
}

double MeanShiftSequence::CalibratedExcess(double excess, const Moments& d, const Scales& scales) {
  // Under the edge, excess / deviation is about Student's t with the
  // estimate's degrees of freedom, not normal: early on the long-run
  // variance can be far too low, most of all for persistent series. The
  // normal mixture below is then applied to the normal equivalent.
  const double deviation = std::sqrt(scales.mean_variance);
  return d.per_tick.NormalEquivalent(excess / deviation) * deviation;
}

double MeanShiftSequence::LogEvidenceAbove(double excess, const Scales& scales) {
  // With d = mean - edge, v = variance of the mean and t = mixing variance,
  // the half-normal mixture of likelihood ratios integrates to
  //   2 sqrt(v / (v + t)) exp(d^2 t / (2 v (v + t))) Phi(d sqrt(t) / sqrt(v (v + t))).
  const double v = scales.mean_variance;
  const double t = scales.mixing_variance;
  // The exponent is z^2 / 2 for the argument z of Phi.
  return std::log(2.0) + 0.5 * std::log(v / (v + t)) +
         LogScaledNormalCdf(excess * std::sqrt(t) / std::sqrt(v * (v + t)));
}

double MeanShiftSequence::EvidenceAboveEdge(Edge edge, Mixing mixing) const {
  if (!ready()) return 1.0;
  const Moments& d = Differences(edge.baseline_factor);
  const Scales scales = ScalesOf(d, mixing);
  return std::exp(LogEvidenceAbove(CalibratedExcess(d.mean - edge.shift, d, scales), scales));
}

double MeanShiftSequence::EvidenceBelowEdge(Edge edge, Mixing mixing) const {
  if (!ready()) return 1.0;
  const Moments& d = Differences(edge.baseline_factor);
  const Scales scales = ScalesOf(d, mixing);
  return std::exp(LogEvidenceAbove(CalibratedExcess(edge.shift - d.mean, d, scales), scales));
}

Interval MeanShiftSequence::ConfidenceSequence(double alpha, Mixing mixing,
                                               double baseline_factor) const {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  if (!ready()) return {-kInfinity, kInfinity};
  // The two-sided mixture sqrt(v/(v+t)) exp(d^2 t / (2 v (v+t))) stays below
  // 1/alpha exactly for |d| / sqrt(v) below this normal-scale z, and the
  // studentised shift below its Student equivalent.
  const Moments& d = Differences(baseline_factor);
  const Scales scales = ScalesOf(d, mixing);
  const double v = scales.mean_variance;
  const double t = scales.mixing_variance;
  const double z = std::sqrt(2 * (v + t) / t * (std::log(1 / alpha) + 0.5 * std::log((v + t) / v)));
  const double half_width = d.per_tick.StudentEquivalent(z) * std::sqrt(v);
  return {d.mean - half_width, d.mean + half_width};
}

}  // namespace kanarya::analysis
