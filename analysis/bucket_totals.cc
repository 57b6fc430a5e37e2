#include "analysis/bucket_totals.h"

#include <algorithm>
#include <iterator>
#include <span>
#include <utility>

namespace kanarya::analysis {
namespace {

// The cumulative counts at `common` (a subset of `bounds`, both sorted).
std::vector<int64_t> AtBounds(std::span<const double> bounds, std::span<const int64_t> cumulative,
                              const std::vector<double>& common) {
  std::vector<int64_t> at;
  at.reserve(common.size());
  size_t i = 0;
  for (double bound : common) {
    while (bounds[i] != bound) ++i;
    at.push_back(cumulative[i]);
  }
  return at;
}

}  // namespace

void BucketTotals::Add(const v1::Observation& o) {
  const std::span<const double> bounds(o.bucket_bounds().data(), o.bucket_bounds().size());
  const std::vector<int64_t> baseline =
      Cumulative({o.baseline_buckets().data(), static_cast<size_t>(o.baseline_buckets().size())});
  const std::vector<int64_t> canary =
      Cumulative({o.canary_buckets().data(), static_cast<size_t>(o.canary_buckets().size())});
  if (bounds_.empty()) {
    bounds_.assign(bounds.begin(), bounds.end());
    baseline_ = baseline;
    canary_ = canary;
    return;
  }
  if (!std::equal(bounds_.begin(), bounds_.end(), bounds.begin(), bounds.end())) {
    // Both layouts end with +Inf, so the common bounds do too.
    std::vector<double> common;
    std::set_intersection(bounds_.begin(), bounds_.end(), bounds.begin(), bounds.end(),
                          std::back_inserter(common));
    baseline_ = AtBounds(bounds_, baseline_, common);
    canary_ = AtBounds(bounds_, canary_, common);
    bounds_ = std::move(common);
  }
  const std::vector<int64_t> tick_baseline = AtBounds(bounds, baseline, bounds_);
  const std::vector<int64_t> tick_canary = AtBounds(bounds, canary, bounds_);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    baseline_[i] += tick_baseline[i];
    canary_[i] += tick_canary[i];
  }
}

}  // namespace kanarya::analysis
