// A rollout's continuous analysis: ticks go in one at a time, and after each
// the session says whether the evidence calls for a rollback, allows a
// promotion, or needs more data. The analysis' alpha is split evenly across
// its metrics, so the probability that any within-tolerance metric ever
// triggers a rollback stays below alpha however many ticks are observed.
// Not thread-safe.
#ifndef KANARYA_ANALYSIS_ANALYSIS_SESSION_H_
#define KANARYA_ANALYSIS_ANALYSIS_SESSION_H_

#include <string>
#include <vector>

#include "analysis/sequential_metric.h"
#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

inline constexpr double kDefaultAnalysisAlpha = 0.05;

class AnalysisSession {
 public:
  // The spec must have passed ValidateAnalysisSpec.
  explicit AnalysisSession(const v1::AnalysisSpec& spec);

  // One tick; it must have passed ValidateTick. Metrics missing from the
  // tick observed nothing during it.
  void Observe(const v1::Tick& tick);

  // ROLLBACK once any metric shows a regression; PROMOTE once at least
  // min_ticks ticks with data (some metric observed on both sides) were seen, every critical metric
  // is within tolerance and every other one has data and no regression; CONTINUE otherwise.
  v1::Decision decision() const;
  // Why, in one line.
  std::string reason() const;
  std::vector<v1::SequentialMetricResult> Results() const;

 private:
  const v1::AnalysisSpec spec_;
  std::vector<SequentialMetricPtr> metrics_;
  int ticks_with_data_ = 0;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_ANALYSIS_SESSION_H_
