#include "analysis/rate_ratio_sequence.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace kanarya::analysis {
namespace {

// log rho from -5 to 5 (ratios 1/148 to 148), 0.05 apart.
constexpr int kGridHalfWidth = 100;
constexpr size_t kGridSize = 2 * kGridHalfWidth + 1;
constexpr double kGridStep = 0.05;
constexpr double kInfinity = std::numeric_limits<double>::infinity();
// exp(-40) = 4e-18: a term that small next to the mixture's largest changes
// no sum in double precision that matters for a decision.
constexpr double kNegligibleLog = 40.0;

struct Grid {
  std::array<double, kGridSize> log_rho;
  std::array<double, kGridSize> rho;
};

const Grid& TheGrid() {
  static const Grid grid = [] {
    Grid g;
    for (size_t i = 0; i < kGridSize; ++i) {
      g.log_rho[i] = (static_cast<int>(i) - kGridHalfWidth) * kGridStep;
      g.rho[i] = std::exp(g.log_rho[i]);
    }
    return g;
  }();
  return grid;
}

double LogSumExp(const std::vector<double>& values) {
  double peak = -kInfinity;
  for (double v : values) peak = std::max(peak, v);
  if (peak == -kInfinity) return -kInfinity;
  double sum = 0.0;
  for (double v : values) sum += std::exp(v - peak);
  return peak + std::log(sum);
}

// The grid points beyond a boundary on one side: [begin, end).
struct Range {
  size_t begin;
  size_t end;
};

Range Beyond(double log_boundary, bool above) {
  const Grid& grid = TheGrid();
  if (above) {
    size_t g = 0;
    while (g < kGridSize && !(grid.log_rho[g] > log_boundary)) ++g;
    return {g, kGridSize};
  }
  size_t g = 0;
  while (g < kGridSize && grid.log_rho[g] < log_boundary) ++g;
  return {0, g};
}

}  // namespace

RateRatioSequence::Split::Split(int64_t canary_total, int64_t baseline_total)
    : canary_total_(canary_total), baseline_total_(baseline_total) {
  if (canary_total <= 0 || baseline_total <= 0) return;
  canary_share_ = static_cast<double>(canary_total) /
                  (static_cast<double>(canary_total) + static_cast<double>(baseline_total));
  log_normalizers_.resize(kGridSize);
  for (size_t g = 0; g < kGridSize; ++g) {
    log_normalizers_[g] = std::log(TheGrid().rho[g] * canary_share_ + (1.0 - canary_share_));
  }
}

RateRatioSequence::RateRatioSequence(double mixing_sd, const std::vector<double>& boundaries) {
  const Grid& grid = TheGrid();
  for (size_t g = 0; g < kGridSize; ++g) {
    log_weights_.push_back(-0.5 * grid.log_rho[g] * grid.log_rho[g] / (mixing_sd * mixing_sd));
  }
  const double total = LogSumExp(log_weights_);
  for (double& w : log_weights_) w -= total;
  log_likelihood_.assign(kGridSize, 0.0);
  for (double b : boundaries) {
    const double log_b = std::log(b);
    log_boundaries_.push_back(log_b);
    const Range above = Beyond(log_b, true);
    const Range below = Beyond(log_b, false);
    first_above_.push_back(above.begin);
    end_below_.push_back(below.end);
    log_prior_above_.push_back(
        LogSumExp({log_weights_.begin() + above.begin, log_weights_.begin() + above.end}));
    log_prior_below_.push_back(
        LogSumExp({log_weights_.begin() + below.begin, log_weights_.begin() + below.end}));
  }
  boundary_log_likelihood_.assign(log_boundaries_.size(), 0.0);
}

bool RateRatioSequence::Add(int64_t canary_events, int64_t canary_total, int64_t baseline_events,
                            int64_t baseline_total) {
  return Add(canary_events, baseline_events, Split(canary_total, baseline_total));
}

bool RateRatioSequence::Add(int64_t canary_events, int64_t baseline_events, const Split& split) {
  const std::array<int64_t, 4> increments{canary_events, split.canary_total_, baseline_events,
                                          split.baseline_total_};
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
  if ((canary_events == 0 && baseline_events == 0) || split.log_normalizers_.empty()) return true;
  // x log rho - n log(rho s + 1 - s): the binomial likelihood of the event
  // split at rho, divided by the one at rho = 1.
  const double x = static_cast<double>(canary_events);
  const double n = static_cast<double>(canary_events) + static_cast<double>(baseline_events);
  const Grid& grid = TheGrid();
  for (size_t g = 0; g < kGridSize; ++g) {
    log_likelihood_[g] += x * grid.log_rho[g] - n * split.log_normalizers_[g];
  }
  const double s = split.canary_share_;
  for (size_t b = 0; b < log_boundaries_.size(); ++b) {
    boundary_log_likelihood_[b] +=
        x * log_boundaries_[b] - n * std::log(std::exp(log_boundaries_[b]) * s + (1.0 - s));
  }
  fresh_ = false;
  return true;
}

double RateRatioSequence::estimate() const {
  return (static_cast<double>(canary_events_) / static_cast<double>(canary_total_)) /
         (static_cast<double>(baseline_events_) / static_cast<double>(baseline_total_));
}

void RateRatioSequence::Refresh() const {
  if (fresh_) return;
  peak_ = -kInfinity;
  for (size_t g = 0; g < kGridSize; ++g) {
    peak_ = std::max(peak_, log_weights_[g] + log_likelihood_[g]);
  }
  scaled_.resize(kGridSize);
  double sum = 0.0;
  for (size_t g = 0; g < kGridSize; ++g) {
    // Terms below exp(-kNegligibleLog) of the peak are left out: they can
    // only lower an evidence (and widen the confidence sequence), and
    // skipping them spares exp its slow underflow path.
    const double log_scaled = log_weights_[g] + log_likelihood_[g] - peak_;
    scaled_[g] = log_scaled < -kNegligibleLog ? 0.0 : std::exp(log_scaled);
    sum += scaled_[g];
  }
  log_total_ = peak_ + std::log(sum);
  fresh_ = true;
}

double RateRatioSequence::MixtureLogEvidence(size_t boundary, bool above) const {
  // The prior restricted to one side of the boundary, renormalised: a mixture
  // of likelihood ratios against the boundary, each a supermartingale under
  // any ratio on the other side.
  const double log_prior = above ? log_prior_above_[boundary] : log_prior_below_[boundary];
  if (log_prior == -kInfinity) return 0.0;  // the boundary is past the grid's end
  Refresh();
  const size_t begin = above ? first_above_[boundary] : 0;
  const size_t end = above ? kGridSize : end_below_[boundary];
  double sum = 0.0;
  for (size_t g = begin; g < end; ++g) sum += scaled_[g];
  if (sum == 0.0) return -kInfinity;  // every term negligible: no evidence at all
  return std::log(sum) + peak_ - log_prior - boundary_log_likelihood_[boundary];
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
  Refresh();
  const double threshold = log_total_ - std::log(1 / alpha);
  size_t first = kGridSize;
  size_t last = 0;
  for (size_t g = 0; g < kGridSize; ++g) {
    if (log_likelihood_[g] < threshold) continue;
    first = std::min(first, g);
    last = g;
  }
  if (first == kGridSize) return {0.0, kInfinity};  // cannot happen: the peak qualifies
  const Grid& grid = TheGrid();
  return {first == 0 ? 0.0 : grid.rho[first - 1],
          last + 1 == kGridSize ? kInfinity : grid.rho[last + 1]};
}

}  // namespace kanarya::analysis
