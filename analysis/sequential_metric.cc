#include "analysis/sequential_metric.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "analysis/histogram_metric.h"
#include "analysis/mean_shift_sequence.h"
#include "analysis/metric_bookkeeping.h"
#include "analysis/rate_ratio_sequence.h"
#include "analysis/sample_cleaning.h"

namespace kanarya::analysis {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The continuous test's default mixing spread, in units of the per-tick
// long-run standard deviation of the difference: fixed before the data, and
// near the tightest boundary around tick 20 for alpha 0.025 by the rule of
// Waudby-Smith et al. (2024), rho^2 = (2 log(1/alpha) + log(1 + 2 log(1/alpha))) / 20.
constexpr double kDefaultMixingSdInNoiseUnits = 0.7;

std::vector<double> FiniteValuesOf(const google::protobuf::RepeatedField<double>& values,
                                   const v1::MetricSpec& spec) {
  return FiniteValues(AsSpan(values), spec.nan_strategy());
}

// The metric's finite baseline samples in each of the history's ticks.
std::vector<std::vector<double>> BaselineSamples(const v1::MetricSpec& spec,
                                                 std::span<const v1::Tick> history) {
  std::vector<std::vector<double>> samples;
  samples.reserve(history.size());
  for (const v1::Tick& tick : history) {
    const auto it = tick.metrics().find(spec.name());
    if (it != tick.metrics().end()) samples.push_back(FiniteValuesOf(it->second.baseline(), spec));
  }
  return samples;
}

class ContinuousMetric final : public SequentialMetric {
 public:
  ContinuousMetric(const v1::MetricSpec& spec, double alpha, std::span<const v1::Tick> history)
      : spec_(spec),
        book_(spec, alpha),
        mixing_(spec.mixing_sd() > 0 ? Mixing{spec.mixing_sd(), false}
                                     : Mixing{kDefaultMixingSdInNoiseUnits, true}),
        sequence_(BaselineSamples(spec, history)) {
    factor_cs_.push_back({1.0, kEverything});
    if (spec.tolerance() > 0) {
      factor_cs_.push_back({1 + spec.tolerance(), kEverything});
      factor_cs_.push_back({1 - spec.tolerance(), kEverything});
    }
  }

  bool Observe(const v1::Observation& observation) override {
    const bool paired = sequence_.AddTick(FiniteValuesOf(observation.baseline(), spec_),
                                          FiniteValuesOf(observation.canary(), spec_));
    if (sequence_.ready()) {
      for (FactorCs& f : factor_cs_) {
        const Interval cs = sequence_.ConfidenceSequence(book_.alpha(), mixing_, f.factor);
        f.cs = {std::max(f.cs.lower, cs.lower), std::min(f.cs.upper, cs.upper)};
      }
      book_.Record(book_.increase_bad() ? Evidence(+1) : 0.0,
                   book_.decrease_bad() ? Evidence(-1) : 0.0, factor_cs_.front().cs);
    }
    return paired;
  }

  v1::SequentialMetricResult Result() const override {
    v1::SequentialMetricResult result;
    result.set_estimate(sequence_.estimate());
    result.set_baseline_count(sequence_.baseline_count());
    result.set_canary_count(sequence_.canary_count());
    const double allowance = sequence_.ready() ? Allowance() : 0.0;
    const bool within = sequence_.ready() && (!book_.increase_bad() || SideWithin(+1)) &&
                        (!book_.decrease_bad() || SideWithin(-1));
    book_.Fill(sequence_.ready(), within, book_.cs(),
               book_.decrease_bad() ? -allowance : -kInfinity,
               book_.increase_bad() ? allowance : kInfinity, "", result);
    return result;
  }

 private:
  // max(tolerance x |baseline mean|, absolute_tolerance), from the data so
  // far: what is reported. Decisions do not use it: it carries the error of
  // the baseline's estimated level.
  double Allowance() const {
    return std::max(spec_.tolerance() * std::fabs(sequence_.baseline_mean()),
                    spec_.absolute_tolerance());
  }

  // "Within tolerance" on one side (sign +1: shift <= allowance; -1: shift
  // >= -allowance) is a union of half-spaces, one per way the allowance can
  // be the larger: mean(canary) against (1 +- tolerance) x mean(baseline),
  // a positive or a negative level, and against mean(baseline) +-
  // absolute_tolerance. Their edges.
  std::vector<Edge> EdgesOf(double sign) const {
    const double tolerance = spec_.tolerance();
    std::vector<Edge> edges;
    if (tolerance > 0) {
      edges.push_back({1 + sign * tolerance, 0.0});
      edges.push_back({1 - sign * tolerance, 0.0});
    }
    if (tolerance == 0 || spec_.absolute_tolerance() > 0) {
      edges.push_back({1.0, sign * spec_.absolute_tolerance()});
    }
    return edges;
  }

  // Evidence against "within tolerance" on one side. Each edge's test is
  // valid for its whole half-space, so the smallest evidence is valid for
  // the union.
  double Evidence(double sign) const {
    double evidence = kInfinity;
    for (const Edge& edge : EdgesOf(sign)) evidence = std::min(evidence, Toward(sign, edge));
    return evidence;
  }

  // Whether the confidence sequence of c - f b, for some edge of the side,
  // lies wholly inside that edge's half-space: each variance then includes
  // the baseline's, so a canary at the edge is declared within tolerance at
  // most about alpha of the time (per binding edge; the edges of a side are
  // far apart unless the baseline's level is near 0).
  bool SideWithin(double sign) const {
    for (const Edge& edge : EdgesOf(sign)) {
      const Interval& cs = CsOfFactor(edge.baseline_factor);
      if (sign > 0 ? cs.upper < edge.shift : cs.lower > edge.shift) return true;
    }
    return false;
  }

  const Interval& CsOfFactor(double factor) const {
    for (const FactorCs& f : factor_cs_) {
      if (f.factor == factor) return f.cs;
    }
    return kEverything;  // not reached: every edge's factor is tracked
  }

  double Toward(double sign, Edge edge) const {
    return sign > 0 ? sequence_.EvidenceAboveEdge(edge, mixing_)
                    : sequence_.EvidenceBelowEdge(edge, mixing_);
  }

  // The confidence sequence of mean(c) - factor x mean(b), intersected over
  // time, for each baseline factor an edge uses; factor 1 (the shift) first.
  struct FactorCs {
    double factor;
    Interval cs;
  };

  const v1::MetricSpec spec_;
  MetricBookkeeping book_;
  const Mixing mixing_;
  MeanShiftSequence sequence_;
  std::vector<FactorCs> factor_cs_;
};

class CountMetric final : public SequentialMetric {
 public:
  CountMetric(const v1::MetricSpec& spec, double alpha)
      : book_(spec, alpha),
        upper_(1.0 + spec.tolerance()),
        // A decrease by the whole tolerance or more leaves no lower boundary.
        lower_(spec.tolerance() < 1.0 ? 1.0 - spec.tolerance() : 0.0),
        sequence_(spec.mixing_sd() > 0 ? spec.mixing_sd() : 1.0,
                  {upper_, lower_ > 0 ? lower_ : upper_}) {}

  bool Observe(const v1::Observation& o) override {
    // A tick the sequence refuses (counts past its range) is left out whole.
    if (!sequence_.Add(o.canary_events(), o.canary_total(), o.baseline_events(),
                       o.baseline_total())) {
      return false;
    }
    if (HasData()) {
      book_.Record(sequence_.EvidenceAboveBoundaryAt(0),
                   lower_ > 0 ? sequence_.EvidenceBelowBoundaryAt(1) : 0.0,
                   sequence_.ConfidenceSequence(book_.alpha()));
    }
    return o.canary_total() > 0 && o.baseline_total() > 0;
  }

  v1::SequentialMetricResult Result() const override {
    v1::SequentialMetricResult result;
    result.set_estimate(sequence_.estimate());
    result.set_baseline_count(sequence_.baseline_total());
    result.set_canary_count(sequence_.canary_total());
    // The ratio's bounds are fixed, so its confidence sequence decides.
    const bool within = (!book_.increase_bad() || book_.cs().upper <= upper_) &&
                        (!book_.decrease_bad() || book_.cs().lower >= lower_);
    book_.Fill(HasData(), within, book_.cs(), book_.decrease_bad() ? lower_ : 0.0,
               book_.increase_bad() ? upper_ : kInfinity, "", result);
    return result;
  }

 private:
  bool HasData() const { return sequence_.canary_total() > 0 && sequence_.baseline_total() > 0; }

  MetricBookkeeping book_;
  const double upper_;
  const double lower_;
  RateRatioSequence sequence_;
};

}  // namespace

SequentialMetricPtr MakeSequentialMetric(const v1::MetricSpec& spec, double alpha,
                                         std::span<const v1::Tick> history) {
  switch (spec.kind()) {
    case v1::METRIC_KIND_COUNT:
      // The rate ratio test conditions on each tick's events: nothing to learn.
      return std::make_unique<CountMetric>(spec, alpha);
    case v1::METRIC_KIND_HISTOGRAM:
      // Nor do the histogram's bounds, which are counts too.
      return MakeHistogramMetric(spec, alpha);
    default:
      return std::make_unique<ContinuousMetric>(spec, alpha, history);
  }
}

}  // namespace kanarya::analysis
