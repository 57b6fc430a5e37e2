// The sequential test of a histogram metric (METRIC_KIND_HISTOGRAM). Each
// finite bucket bound b of the first tick's layout makes a count: the
// requests slower than b out of all requests. A canary is within tolerance
// when, at every bound, its share above b is at most the larger of
// (1 + tolerance) x the baseline's share and a floor (absolute_tolerance,
// kDefaultHistogramShareFloor when unset). Per bound, rate_ratio_sequence.h
// tests the share ratio against 1 + tolerance and share_sequence.h the
// canary's share against the floor; the rollback evidence is the mean over
// the bounds of the smaller of the two, which splits alpha evenly between
// the bounds. Promotion needs every bound shown within its allowance, each at
// the metric's level. docs/sequential.md ("Histograms") argues the choice.
// Not thread-safe.
#ifndef KANARYA_ANALYSIS_HISTOGRAM_METRIC_H_
#define KANARYA_ANALYSIS_HISTOGRAM_METRIC_H_

#include "analysis/sequential_metric.h"

namespace kanarya::analysis {

// The share of requests a canary may have above any bound whatever the
// baseline's: where the baseline's p99 is below a bound, the canary's p99
// must be too.
inline constexpr double kDefaultHistogramShareFloor = 0.01;

// The spec must have passed ValidateAnalysisSpec (kind METRIC_KIND_HISTOGRAM);
// alpha in (0, 1) is the metric's share of the analysis' alpha.
SequentialMetricPtr MakeHistogramMetric(const v1::MetricSpec& spec, double alpha);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_HISTOGRAM_METRIC_H_
