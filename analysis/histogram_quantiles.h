// Quantiles read from bucket counts, as Prometheus' histogram_quantile reads
// them: linear within the bucket the rank falls in, the first bucket starting
// at 0 (or at its bound, when that is not positive), a rank in the +Inf
// bucket reading as the largest finite bound. Each comes with a
// distribution-free interval: the order statistics that bracket the quantile
// with the given confidence (Binomial(n, q) ranks), read the same way. The
// bucket width limits how well either is known: both are exact only at
// bucket bounds. Pure functions; thread-safe.
#ifndef KANARYA_ANALYSIS_HISTOGRAM_QUANTILES_H_
#define KANARYA_ANALYSIS_HISTOGRAM_QUANTILES_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/interval.h"
#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

// A layout and one side's cumulative counts: cumulative[i] requests at or
// below bounds[i]; the last bound +Inf, so the last count is the total.
// Bounds strictly increasing, counts non-decreasing.
struct CumulativeCounts {
  std::span<const double> bounds;
  std::span<const int64_t> cumulative;
};

// The value at a rank in [0, total]: rank r is the r-th smallest request,
// fractional ranks between.
double ValueAtRank(const CumulativeCounts& counts, double rank);

// The 1-based ranks [l, u] of the order statistics X_(l) <= X_(u) that hold
// the q-quantile of the distribution with probability >= confidence: l =
// qbinom((1 - confidence) / 2, n, q), u = qbinom((1 + confidence) / 2, n, q)
// + 1. l = 0 means no order statistic is low enough, u = n + 1 none high
// enough. n >= 1, q in (0, 1).
Interval OrderStatisticRanks(int64_t n, double q, double confidence);

// The q-quantile (rank q x total) and its interval at the confidence; the
// interval is (-)inf on a side without an order statistic. A side without
// requests reads as NaN throughout.
struct QuantileReading {
  double estimate;
  Interval interval;
};
QuantileReading ReadQuantile(const CumulativeCounts& counts, double q, double confidence);

// p50, p90 and p99 of each side at 95 % confidence.
std::vector<v1::QuantileEstimate> CompareQuantiles(const CumulativeCounts& baseline,
                                                   const CumulativeCounts& canary);

// "p50 canary 104 [98.1, 110] vs baseline 95.2 [94.7, 95.8]; p90 ..." for reasons.
std::string DescribeQuantiles(const std::vector<v1::QuantileEstimate>& quantiles);

// "latency: p50 canary ...; ..." for each result that has quantiles (the
// histogram metrics'), joined by "; "; empty when none has.
std::string DescribeResultQuantiles(std::span<const v1::SequentialMetricResult> results);

// Running totals from bucket increments: cumulative[i] = sum of the buckets
// up to and including i. The sum must stay within int64 (validated input).
std::vector<int64_t> Cumulative(std::span<const int64_t> buckets);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_HISTOGRAM_QUANTILES_H_
