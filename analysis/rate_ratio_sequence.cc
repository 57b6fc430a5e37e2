#include "analysis/rate_ratio_sequence.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace kanarya::analysis {
namespace {

// log rho from -5 to 5 (ratios 1/148 to 148), 0.05 apart.
constexpr int kGridHalfWidth = 100;
constexpr double kGridStep = 0.05;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

double LogSumExp(const std::vector<double>& values) {
  double peak = -kInfinity;
  for (double v : values) peak = std::max(peak, v);
  if (peak == -kInfinity) return -kInfinity;
  double sum = 0.0;
  for (double v : values) sum += std::exp(v - peak);
  return peak + std::log(sum);
}

}  // namespace

RateRatioSequence::RateRatioSequence(double mixing_sd, const std::vector<double>& boundaries) {
  for (int k = -kGridHalfWidth; k <= kGridHalfWidth; ++k) {
    const double log_rho = k * kGridStep;
    log_grid_.push_back(log_rho);
    log_weights_.push_back(-0.5 * log_rho * log_rho / (mixing_sd * mixing_sd));
  }
  const double total = LogSumExp(log_weights_);
  for (double& w : log_weights_) w -= total;
  log_likelihood_.assign(log_grid_.size(), 0.0);
  for (double b : boundaries) log_boundaries_.push_back(std::log(b));
  boundary_log_likelihood_.assign(log_boundaries_.size(), 0.0);
}

double RateRatioSequence::TickLogRatio(double log_rho, double canary_events, double events,
                                       double canary_share) {
  // x log rho - n log(rho s + 1 - s): the binomial likelihood of the event
  // split at rho, divided by the one at rho = 1.
  return canary_events * log_rho -
         events * std::log(std::exp(log_rho) * canary_share + (1.0 - canary_share));
}

bool RateRatioSequence::Add(int64_t canary_events, int64_t canary_total, int64_t baseline_events,
                            int64_t baseline_total) {
  const std::array<int64_t, 4> increments{canary_events, canary_total, baseline_events,
                                          baseline_total};
  const std::array<int64_t*, 4> counts{&canary_events_, &canary_total_, &baseline_events_,
                                       &baseline_total_};
  std::array<int64_t, 4> sums{};
  for (size_t i = 0; i < counts.size(); ++i) {
    if (increments[i] < 0 || __builtin_add_overflow(*counts[i], increments[i], &sums[i]) ||
        sums[i] > kMaxCumulativeCount) {
      return false;
    }
  }
  for (size_t i = 0; i < counts.size(); ++i) *counts[i] = sums[i];
  if ((canary_events == 0 && baseline_events == 0) || canary_total == 0 || baseline_total == 0) {
    return true;
  }
  const double share = static_cast<double>(canary_total) /
                       (static_cast<double>(canary_total) + static_cast<double>(baseline_total));
  const double x = static_cast<double>(canary_events);
  const double n = static_cast<double>(canary_events) + static_cast<double>(baseline_events);
  for (size_t g = 0; g < log_grid_.size(); ++g) {
    log_likelihood_[g] += TickLogRatio(log_grid_[g], x, n, share);
  }
  for (size_t b = 0; b < log_boundaries_.size(); ++b) {
    boundary_log_likelihood_[b] += TickLogRatio(log_boundaries_[b], x, n, share);
  }
  return true;
}

double RateRatioSequence::estimate() const {
  return (static_cast<double>(canary_events_) / static_cast<double>(canary_total_)) /
         (static_cast<double>(baseline_events_) / static_cast<double>(baseline_total_));
}

double RateRatioSequence::MixtureLogEvidence(size_t boundary, bool above) const {
  // The prior restricted to one side of the boundary, renormalised: a mixture
  // of likelihood ratios against the boundary, each a supermartingale under
  // any ratio on the other side.
  std::vector<double> weighted;
  std::vector<double> weights;
  for (size_t g = 0; g < log_grid_.size(); ++g) {
    const bool beyond =
        above ? log_grid_[g] > log_boundaries_[boundary] : log_grid_[g] < log_boundaries_[boundary];
    if (!beyond) continue;
    weighted.push_back(log_weights_[g] + log_likelihood_[g]);
    weights.push_back(log_weights_[g]);
  }
  if (weights.empty()) return 0.0;
  return LogSumExp(weighted) - LogSumExp(weights) - boundary_log_likelihood_[boundary];
}

double RateRatioSequence::EvidenceAboveBoundaryAt(size_t index) const {
  return std::exp(MixtureLogEvidence(index, /*above=*/true));
}

double RateRatioSequence::EvidenceBelowBoundaryAt(size_t index) const {
  return std::exp(MixtureLogEvidence(index, /*above=*/false));
}

Interval RateRatioSequence::ConfidenceSequence(double alpha) const {
  // rho stays in the set while the mixture's evidence against it, M / L(rho),
  // is below 1 / alpha.
  std::vector<double> weighted(log_grid_.size());
  for (size_t g = 0; g < log_grid_.size(); ++g) weighted[g] = log_weights_[g] + log_likelihood_[g];
  const double threshold = LogSumExp(weighted) - std::log(1 / alpha);
  size_t first = log_grid_.size();
  size_t last = 0;
  for (size_t g = 0; g < log_grid_.size(); ++g) {
    if (log_likelihood_[g] < threshold) continue;
    first = std::min(first, g);
    last = g;
  }
  if (first == log_grid_.size()) return {0.0, kInfinity};  // cannot happen: the peak qualifies
  return {first == 0 ? 0.0 : std::exp(log_grid_[first - 1]),
          last + 1 == log_grid_.size() ? kInfinity : std::exp(log_grid_[last + 1])};
}

}  // namespace kanarya::analysis
