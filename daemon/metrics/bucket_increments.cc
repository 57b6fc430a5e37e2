#include "daemon/metrics/bucket_increments.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon/metrics/native_bucket_increments.h"

namespace kanarya::metrics {
namespace {

// Counts beyond this cannot be one tick's requests and would lose integer
// precision as doubles.
constexpr double kMaxCount = 1e15;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

using Labels = std::vector<std::pair<std::string, std::string>>;

// One histogram of the answer: its bounds and cumulative counts.
struct Histogram {
  std::vector<std::pair<double, double>> bound_counts;  // (le, cumulative), as answered
  std::vector<double> bounds;                           // sorted
  std::vector<int64_t> cumulative;                      // made non-decreasing
};

// Cumulative counts at `common` (a subset of `bounds`, both sorted).
std::vector<int64_t> CumulativeAt(const std::vector<double>& bounds,
                                  const std::vector<int64_t>& cumulative,
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

// Cumulative counts of a native histogram at `bounds` (powers of two and
// +Inf): below its first bound, the first bucket's; above its last finite
// one, the total.
std::vector<int64_t> ExponentialCumulativeAt(const BucketIncrements& side,
                                             const std::vector<int64_t>& cumulative,
                                             const std::vector<double>& bounds) {
  std::vector<int64_t> at;
  at.reserve(bounds.size());
  for (double bound : bounds) {
    const auto above = std::lower_bound(side.bounds.begin(), side.bounds.end(), bound);
    const size_t i = static_cast<size_t>(above - side.bounds.begin());
    // Bounds between its own ones are empty buckets: the cumulative count
    // at the bound above (its first, its +Inf) is the one at `bound`.
    at.push_back(*above == bound || i == 0 ? cumulative[i] : cumulative[i - 1]);
  }
  return at;
}

std::vector<int64_t> CumulativeOf(const std::vector<int64_t>& counts) {
  std::vector<int64_t> cumulative;
  cumulative.reserve(counts.size());
  int64_t sum = 0;
  for (int64_t c : counts) cumulative.push_back(sum += c);
  return cumulative;
}

// Per-bucket counts from cumulative ones.
std::vector<int64_t> CountsOf(const std::vector<int64_t>& cumulative) {
  std::vector<int64_t> counts;
  counts.reserve(cumulative.size());
  int64_t below = 0;
  for (int64_t c : cumulative) {
    counts.push_back(c - below);
    below = c;
  }
  return counts;
}

std::vector<double> Intersection(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> common;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
  return common;
}

// Sorts a histogram's bounds, rounds its counts and lowers each to the
// smallest at or above it; returns the requests so taken off.
absl::StatusOr<int64_t> Settle(Histogram& h) {
  std::sort(h.bound_counts.begin(), h.bound_counts.end());
  int64_t clamped = 0;
  int64_t ceiling = std::numeric_limits<int64_t>::max();
  h.cumulative.assign(h.bound_counts.size(), 0);
  for (size_t i = h.bound_counts.size(); i-- > 0;) {
    if (i > 0 && h.bound_counts[i].first == h.bound_counts[i - 1].first) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "two series of one histogram for le=%g; leave le out of the aggregation only",
          h.bound_counts[i].first));
    }
    const int64_t rounded = std::llround(std::max(0.0, h.bound_counts[i].second));
    h.cumulative[i] = std::min(rounded, ceiling);
    clamped += rounded - h.cumulative[i];
    ceiling = h.cumulative[i];
  }
  h.bounds.reserve(h.bound_counts.size());
  for (const auto& [bound, count] : h.bound_counts) h.bounds.push_back(bound);
  return clamped;
}

}  // namespace

absl::StatusOr<std::optional<BucketIncrements>> BucketIncrementsOf(const QueryResult& result) {
  for (const Series& series : result.series) {
    if (!series.histograms.empty()) return NativeBucketIncrementsOf(result);
  }
  if (result.type == ResultType::kMatrix && result.series.empty()) return std::nullopt;
  if (result.type != ResultType::kVector) {
    return absl::InvalidArgumentError(
        "the bucket query must return an instant vector of bucket series (label le), e.g. "
        "(<name>_bucket{...} - <name>_bucket{...} offset {{window}}) >= 0");
  }
  std::map<Labels, Histogram> histograms;
  for (const Series& series : result.series) {
    if (series.samples.empty()) continue;
    Labels others;
    const std::string* le = nullptr;
    for (const auto& label : series.labels) {
      if (label.first == "le") {
        le = &label.second;
      } else {
        others.push_back(label);
      }
    }
    if (le == nullptr) {
      return absl::InvalidArgumentError(
          "a series of the bucket query has no le label; keep it: sum by (le) (...)");
    }
    double bound;
    if (!absl::SimpleAtod(*le, &bound) || std::isnan(bound)) {
      return absl::InvalidArgumentError(absl::StrCat("le=\"", *le, "\" is not a bucket bound"));
    }
    const double value = series.samples.back().value;
    if (std::isnan(value)) return std::nullopt;
    // A count a hair below 0 is rounding in a sum; below half a request, a
    // query that does not count requests.
    if (!(value >= -0.5 && value <= kMaxCount)) {
      return absl::DataLossError(
          absl::StrFormat("le=\"%s\": %g is not a plausible count of requests", *le, value));
    }
    histograms[std::move(others)].bound_counts.emplace_back(bound, value);
  }
  if (histograms.empty()) return std::nullopt;

  BucketIncrements increments;
  std::vector<Histogram*> complete;
  for (auto& [labels, histogram] : histograms) {
    absl::StatusOr<int64_t> clamped = Settle(histogram);
    if (!clamped.ok()) return clamped.status();
    if (histogram.bounds.back() != kInfinity) {
      increments.left_out += static_cast<int>(histogram.bounds.size());
      continue;
    }
    increments.clamped += *clamped;
    complete.push_back(&histogram);
  }
  if (complete.empty()) {
    return absl::InvalidArgumentError(
        "no le=\"+Inf\" series: a classic histogram always has one (is the query missing "
        "buckets, or filtering le?)");
  }
  std::vector<double> common = complete.front()->bounds;
  for (const Histogram* h : complete) common = Intersection(common, h->bounds);
  if (common.size() < 2) {
    return absl::DataLossError(
        "the histograms of the answer (pods with other bucket layouts) share no finite bound");
  }
  std::vector<int64_t> cumulative(common.size(), 0);
  for (const Histogram* h : complete) {
    const std::vector<int64_t> at = CumulativeAt(h->bounds, h->cumulative, common);
    for (size_t i = 0; i < common.size(); ++i) cumulative[i] += at[i];
  }
  increments.bounds = std::move(common);
  increments.counts = CountsOf(cumulative);
  return increments;
}

absl::Status ToCommonLayout(BucketIncrements& a, BucketIncrements& b) {
  if (a.bounds == b.bounds) return absl::OkStatus();
  if (a.exponential && b.exponential) {
    std::vector<double> all;
    std::set_union(a.bounds.begin(), a.bounds.end(), b.bounds.begin(), b.bounds.end(),
                   std::back_inserter(all));
    for (BucketIncrements* side : {&a, &b}) {
      side->counts = CountsOf(ExponentialCumulativeAt(*side, CumulativeOf(side->counts), all));
      side->bounds = all;
    }
    return absl::OkStatus();
  }
  const std::vector<double> common = Intersection(a.bounds, b.bounds);
  if (common.size() < 2) {
    return absl::DataLossError("the baseline's and the canary's buckets share no finite bound");
  }
  for (BucketIncrements* side : {&a, &b}) {
    side->counts = CountsOf(CumulativeAt(side->bounds, CumulativeOf(side->counts), common));
    side->bounds = common;
  }
  return absl::OkStatus();
}

}  // namespace kanarya::metrics
