#include "analysis/mean_shift_sequence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "analysis/long_run_variance.h"

namespace kanarya::analysis {
namespace {

// The half-normal mixture of likelihood ratios, integrated numerically: the
// closed form in the implementation must agree.
double NumericEvidenceAbove(double estimate, double variance, double boundary, double mixing_sd) {
  const int steps = 200000;
  const double upper = 12 * mixing_sd;
  const double h = upper / steps;
  double sum = 0;
  for (int k = 0; k <= steps; ++k) {
    const double u = k * h;  // shift above the boundary
    const double ratio = std::exp((u * (estimate - boundary) - 0.5 * u * u) / variance);
    const double density = 2 * std::exp(-0.5 * u * u / (mixing_sd * mixing_sd)) /
                           (mixing_sd * std::sqrt(2 * std::numbers::pi));
    sum += (k == 0 || k == steps ? 0.5 : 1.0) * ratio * density;
  }
  return sum * h;
}

// Ten ticks of one value a side.
MeanShiftSequence TenTicks(const std::vector<double>& baseline, const std::vector<double>& canary) {
  MeanShiftSequence sequence;
  for (size_t t = 0; t < baseline.size(); ++t) {
    sequence.AddTick(std::vector<double>{baseline[t]}, std::vector<double>{canary[t]});
  }
  return sequence;
}

TEST(MeanShiftSequence, ClosedFormMatchesNumericIntegration) {
  const std::vector<double> baseline{10, 12, 11, 9, 13, 10, 12, 11, 9, 13};
  const std::vector<double> canary{12, 15, 13, 12, 14, 12, 13, 14, 12, 15};
  const MeanShiftSequence sequence = TenTicks(baseline, canary);
  for (double factor : {1.0, 1.1}) {
    std::vector<double> d;
    for (size_t t = 0; t < baseline.size(); ++t) d.push_back(canary[t] - factor * baseline[t]);
    double mean = 0;
    for (double x : d) mean += x / 10;
    const LongRunVarianceEstimate per_tick = EstimateLongRunVariance(d);
    const double variance = per_tick.variance / 10;
    // The normal mixture applies to the studentised excess moved to the normal scale.
    const auto calibrated = [&](double shift) {
      const double deviation = std::sqrt(variance);
      return shift + per_tick.NormalEquivalent((mean - shift) / deviation) * deviation;
    };
    for (double shift : {0.0, 1.0, 2.5}) {
      for (double mixing_sd : {0.5, 2.0}) {
        const double numeric = NumericEvidenceAbove(calibrated(shift), variance, shift, mixing_sd);
        EXPECT_NEAR(sequence.EvidenceAboveEdge({factor, shift}, {mixing_sd, false}), numeric,
                    1e-6 * numeric)
            << factor << " " << shift << " " << mixing_sd;
      }
    }
    // In noise units the mixing spread scales with the long-run deviation per tick.
    const double per_tick_sd = std::sqrt(variance * 10);
    const double numeric = NumericEvidenceAbove(calibrated(0.5), variance, 0.5, 0.7 * per_tick_sd);
    EXPECT_NEAR(sequence.EvidenceAboveEdge({factor, 0.5}, {0.7, true}), numeric, 1e-6 * numeric);
  }
}

TEST(MeanShiftSequence, OnlyTicksWithBothSidesCountAndTenAreNeeded) {
  MeanShiftSequence sequence;
  EXPECT_FALSE(sequence.AddTick(std::vector<double>{1.0}, {}));
  EXPECT_FALSE(sequence.AddTick({}, std::vector<double>{5.0}));
  for (int t = 0; t < 9; ++t) {
    EXPECT_TRUE(sequence.AddTick(std::vector<double>{1.0, 2.0}, std::vector<double>{5.0 + t}));
  }
  EXPECT_EQ(sequence.ticks(), 9);
  EXPECT_EQ(sequence.baseline_count(), 18);
  EXPECT_FALSE(sequence.ready());
  EXPECT_EQ(sequence.EvidenceAboveEdge({1.0, 0.0}, {1.0, false}), 1.0);
  EXPECT_TRUE(std::isinf(sequence.ConfidenceSequence(0.05, {1.0, false}).upper));
  sequence.AddTick(std::vector<double>{2.0}, std::vector<double>{3.0});
  EXPECT_TRUE(sequence.ready());
  // Per-tick means: baseline 1.5 nine times and 2 once.
  EXPECT_DOUBLE_EQ(sequence.baseline_mean(), 1.55);
}

TEST(MeanShiftSequence, EvidenceGrowsWithATrueShiftAndCsCoversIt) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> baseline(100, 10), canary(106, 10);
  MeanShiftSequence sequence;
  for (int tick = 0; tick < 200; ++tick) {
    sequence.AddTick(std::vector<double>{baseline(rng), baseline(rng)},
                     std::vector<double>{canary(rng)});
  }
  EXPECT_GT(sequence.EvidenceAboveEdge({1.0, 0.0}, {0.7, true}), 1000.0);
  EXPECT_LT(sequence.EvidenceBelowEdge({1.0, 0.0}, {0.7, true}), 0.1);
  // +6 % is within a 10 % relative edge: no evidence against it.
  EXPECT_LT(sequence.EvidenceAboveEdge({1.1, 0.0}, {0.7, true}), 1.0);
  const Interval cs = sequence.ConfidenceSequence(0.05, {0.7, true});
  EXPECT_LT(cs.lower, 6.0);
  EXPECT_GT(cs.upper, 6.0);
  EXPECT_GT(cs.lower, 0.0);
}

TEST(MeanShiftSequence, ConstantIdenticalSamplesStayFinite) {
  MeanShiftSequence sequence;
  for (int t = 0; t < 10; ++t) sequence.AddTick(std::vector<double>{3.0}, std::vector<double>{3.0});
  for (Mixing mixing : {Mixing{0.3, false}, Mixing{0.7, true}}) {
    const Interval cs = sequence.ConfidenceSequence(0.05, mixing);
    EXPECT_TRUE(std::isfinite(cs.lower));
    EXPECT_NEAR(cs.upper, 0.0, 1e-3);
    EXPECT_LT(sequence.EvidenceAboveEdge({1.0, 0.3}, mixing), 1e-6);
  }
}

TEST(MeanShiftSequence, AHistoryOfTheBaselineSetsTheDependence) {
  // The same rollout of 12 independent ticks, +1.2 per tick with unit noise,
  // read without history, with a history of independent baseline ticks and
  // with a persistent one (AR(1) 0.8, ratio 9): the independent history
  // gives twice the evidence of none or more, the persistent one far less.
  std::mt19937_64 rng(2);
  std::normal_distribution<double> z(0, 1);
  std::vector<std::vector<double>> independent(120), persistent(120);
  double level = 0;
  for (size_t t = 0; t < 120; ++t) {
    independent[t] = {z(rng)};
    level = 0.8 * level + 0.6 * z(rng);
    persistent[t] = {level};
  }
  MeanShiftSequence none, flat(independent), sticky(persistent);
  // 29 ticks with samples are too few; ticks without samples do not count.
  std::vector<std::vector<double>> too_few(independent.begin(), independent.begin() + 29);
  too_few.resize(60);
  const MeanShiftSequence too_short(too_few);
  EXPECT_FALSE(none.has_history());
  EXPECT_TRUE(flat.has_history());
  EXPECT_FALSE(too_short.has_history());
  for (int t = 0; t < 12; ++t) {
    const std::vector<double> baseline{z(rng)}, canary{1.2 + z(rng)};
    for (MeanShiftSequence* s : {&none, &flat, &sticky}) s->AddTick(baseline, canary);
  }
  const Mixing mixing{0.7, true};
  const double without = none.EvidenceAboveEdge({1.0, 0.0}, mixing);
  EXPECT_GT(flat.EvidenceAboveEdge({1.0, 0.0}, mixing), 2 * without);
  EXPECT_LT(sticky.EvidenceAboveEdge({1.0, 0.0}, mixing), without);
  // The confidence sequence narrows with an independent history.
  const Interval with = flat.ConfidenceSequence(0.05, mixing);
  const Interval alone = none.ConfidenceSequence(0.05, mixing);
  EXPECT_LT(with.upper - with.lower, alone.upper - alone.lower);
}

TEST(MeanShiftSequence, ConfidenceSequenceAtAFactorIsThatOfTheScaledBaseline) {
  // The sequence of mean(c) - 1.5 mean(b) is the shift's sequence with the
  // baseline scaled by 1.5: d's own variance, the baseline's noise x 1.5.
  std::mt19937_64 rng(31);
  std::normal_distribution<double> value(100, 10);
  MeanShiftSequence direct, scaled;
  for (int t = 0; t < 40; ++t) {
    const std::vector<double> baseline{value(rng), value(rng)};
    const std::vector<double> canary{1.5 * value(rng), 1.5 * value(rng)};
    const std::vector<double> scaled_baseline{1.5 * baseline[0], 1.5 * baseline[1]};
    direct.AddTick(baseline, canary);
    scaled.AddTick(scaled_baseline, canary);
  }
  const Mixing mixing{0.7, true};
  const Interval at_factor = direct.ConfidenceSequence(0.05, mixing, 1.5);
  const Interval reference = scaled.ConfidenceSequence(0.05, mixing);
  EXPECT_NEAR(at_factor.lower, reference.lower, 1e-9);
  EXPECT_NEAR(at_factor.upper, reference.upper, 1e-9);
  // Wider than the shift's own sequence, which ignores the factor.
  const Interval shift = direct.ConfidenceSequence(0.05, mixing);
  EXPECT_GT(at_factor.upper - at_factor.lower, shift.upper - shift.lower);
}

}  // namespace
}  // namespace kanarya::analysis
