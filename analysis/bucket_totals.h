// The running per-side request counts of a histogram metric, cumulative per
// bucket, on the layout every tick so far shared: a tick with other bounds
// re-buckets the totals to the bounds both have (a cumulative count at a
// common bound is exact), so a coarser layout coarsens them for good and a
// finer one is read at the coarser bounds. Not thread-safe.
#ifndef KANARYA_ANALYSIS_BUCKET_TOTALS_H_
#define KANARYA_ANALYSIS_BUCKET_TOTALS_H_

#include <cstdint>
#include <vector>

#include "analysis/histogram_quantiles.h"
#include "kanarya/v1/analysis.pb.h"

namespace kanarya::analysis {

class BucketTotals {
 public:
  // `o` passed CheckHistogram, and the caller keeps each side's running
  // total within 2^62.
  void Add(const v1::Observation& o);

  // Empty spans before the first Add.
  CumulativeCounts baseline() const { return {bounds_, baseline_}; }
  CumulativeCounts canary() const { return {bounds_, canary_}; }

 private:
  std::vector<double> bounds_;
  std::vector<int64_t> baseline_;
  std::vector<int64_t> canary_;
};

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_BUCKET_TOTALS_H_
