// One metric's sequential test inside an analysis session: feeds each tick's
// observation to the anytime-valid statistics of its kind and reports where
// the metric stands. Rollback evidence is tested at level alpha (the metric's
// share of the analysis' alpha), split between the two sides for
// DIRECTION_EITHER; the confidence sequence is intersected over time.
// Not thread-safe.
#ifndef KANARYA_ANALYSIS_SEQUENTIAL_METRIC_H_
#define KANARYA_ANALYSIS_SEQUENTIAL_METRIC_H_

#include <memory>
#include <span>

#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

class SequentialMetric {
 public:
  virtual ~SequentialMetric() = default;

  // The metric's observation for one tick (validated against its kind);
  // returns whether it had usable data on both sides (finite samples, or
  // traffic), which makes the tick count towards min_ticks.
  virtual bool Observe(const v1::Observation& observation) = 0;

  // The state after the ticks observed so far.
  virtual v1::SequentialMetricResult Result() const = 0;

  // Result().state(), for kinds that can say it for less than a Result.
  virtual v1::MetricState State() const { return Result().state(); }
};

using SequentialMetricPtr = std::unique_ptr<SequentialMetric>;

// The spec must have passed ValidateAnalysisSpec; alpha in (0, 1). `history`:
// ticks from before the rollout (validated by ValidateTick), of which only
// the metric's baseline samples are read, by continuous metrics; see
// AnalysisSession.
SequentialMetricPtr MakeSequentialMetric(const v1::MetricSpec& spec, double alpha,
                                         std::span<const v1::Tick> history = {});

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_SEQUENTIAL_METRIC_H_
