#include "analysis/sample_cleaning.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/sorting.h"

namespace kanarya::analysis {

double SortedQuantile(std::span<const double> sorted, double probability) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double position = probability * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

std::vector<double> FiniteValues(std::span<const double> raw, v1::NanStrategy nan_strategy) {
  std::vector<double> finite;
  finite.reserve(raw.size());
  for (double value : raw) {
    if (std::isnan(value) && nan_strategy == v1::NAN_STRATEGY_REPLACE_WITH_ZERO) value = 0.0;
    if (std::isfinite(value)) finite.push_back(value);
  }
  return finite;
}

CleanedSample CleanSample(std::span<const double> raw, v1::NanStrategy nan_strategy,
                          v1::OutlierStrategy outlier_strategy, double outlier_factor) {
  CleanedSample cleaned;
  cleaned.sorted_values = FiniteValues(raw, nan_strategy);
  SortAscending(cleaned.sorted_values);
  if (outlier_strategy == v1::OUTLIER_STRATEGY_REMOVE_TUKEY && !cleaned.sorted_values.empty()) {
    const double factor = outlier_factor > 0 ? outlier_factor : 3.0;
    const double q1 = SortedQuantile(cleaned.sorted_values, 0.25);
    const double q3 = SortedQuantile(cleaned.sorted_values, 0.75);
    const double low = q1 - factor * (q3 - q1);
    const double high = q3 + factor * (q3 - q1);
    std::erase_if(cleaned.sorted_values, [&](double v) { return v < low || v > high; });
  }
  cleaned.dropped = static_cast<int64_t>(raw.size() - cleaned.sorted_values.size());
  return cleaned;
}

}  // namespace kanarya::analysis
