// Preparation of a continuous metric's samples before testing: NaN handling,
// removal of infinities, optional Tukey-fence outlier removal. Pure; thread-safe.
#ifndef KANARYA_ANALYSIS_SAMPLE_CLEANING_H_
#define KANARYA_ANALYSIS_SAMPLE_CLEANING_H_

#include <google/protobuf/repeated_field.h>

#include <cstdint>
#include <span>
#include <vector>

#include "kanarya/v1/metric.pb.h"

namespace kanarya::analysis {

struct CleanedSample {
  std::vector<double> sorted_values;  // finite, ascending
  int64_t dropped = 0;                // samples removed by the rules
};

// A view of a message's samples.
inline std::span<const double> AsSpan(const google::protobuf::RepeatedField<double>& values) {
  return {values.data(), static_cast<size_t>(values.size())};
}

// The finite values of `raw` in their order: NaN become 0 under
// NAN_STRATEGY_REPLACE_WITH_ZERO and are dropped otherwise; infinities are
// always dropped.
std::vector<double> FiniteValues(std::span<const double> raw, v1::NanStrategy nan_strategy);

// FiniteValues, sorted, then Tukey-fence outlier removal when asked;
// outlier_factor <= 0 means the default fence of 3 interquartile ranges.
CleanedSample CleanSample(std::span<const double> raw, v1::NanStrategy nan_strategy,
                          v1::OutlierStrategy outlier_strategy, double outlier_factor);

// Sample quantile of sorted values by R's default (type 7) rule; NaN if empty.
double SortedQuantile(std::span<const double> sorted, double probability);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_SAMPLE_CLEANING_H_
