#include "daemon/metrics/bucket_increments.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kanarya::metrics {
namespace {

// Counts beyond this cannot be one tick's requests and would lose integer
// precision as doubles.
constexpr double kMaxCount = 1e15;

const std::string* LabelValue(const Series& series, const std::string& name) {
  for (const auto& [label, value] : series.labels) {
    if (label == name) return &value;
  }
  return nullptr;
}

// A bound's cumulative count, as the answer gave it.
struct BoundCount {
  double bound;
  double cumulative;
};

// Cumulative counts at `common` (a subset of `bounds`, both sorted).
std::vector<int64_t> CumulativeAt(const BucketIncrements& side, const std::vector<double>& common) {
  std::vector<int64_t> at;
  int64_t sum = 0;
  size_t i = 0;
  for (double bound : common) {
    while (side.bounds[i] != bound) sum += side.counts[i++];
    at.push_back(sum + side.counts[i]);
  }
  return at;
}

void Rebucket(BucketIncrements& side, const std::vector<double>& common) {
  const std::vector<int64_t> cumulative = CumulativeAt(side, common);
  side.counts.clear();
  int64_t below = 0;
  for (int64_t c : cumulative) {
    side.counts.push_back(c - below);
    below = c;
  }
  side.bounds = common;
}

}  // namespace

absl::StatusOr<std::optional<BucketIncrements>> BucketIncrementsOf(const QueryResult& result) {
  if (result.type != ResultType::kVector) {
    return absl::InvalidArgumentError(
        "the bucket query must return an instant vector with one series per bound (label le), "
        "e.g. sum by (le) (increase(<name>_bucket{...}[{{window}}]))");
  }
  std::vector<BoundCount> counts;
  for (const Series& series : result.series) {
    if (series.samples.empty()) continue;
    const std::string* le = LabelValue(series, "le");
    if (le == nullptr) {
      return absl::InvalidArgumentError(
          "a series of the bucket query has no le label; group by it: sum by (le) (...)");
    }
    double bound;
    if (!absl::SimpleAtod(*le, &bound) || std::isnan(bound)) {
      return absl::InvalidArgumentError(absl::StrCat("le=\"", *le, "\" is not a bucket bound"));
    }
    const double value = series.samples.back().value;
    if (std::isnan(value)) return std::nullopt;
    // A count a hair below 0 is rounding in the sum; below half a request, a
    // query that does not count requests.
    if (!(value >= -0.5 && value <= kMaxCount)) {
      return absl::DataLossError(
          absl::StrFormat("le=\"%s\": %g is not a plausible count of requests", *le, value));
    }
    counts.push_back({bound, value});
  }
  if (counts.empty()) return std::nullopt;
  std::sort(counts.begin(), counts.end(),
            [](const BoundCount& a, const BoundCount& b) { return a.bound < b.bound; });
  for (size_t i = 1; i < counts.size(); ++i) {
    if (counts[i].bound == counts[i - 1].bound) {
      return absl::InvalidArgumentError(
          absl::StrFormat("two series for le=%g; group by le alone", counts[i].bound));
    }
  }
  if (counts.back().bound != std::numeric_limits<double>::infinity()) {
    return absl::InvalidArgumentError(
        "no le=\"+Inf\" series: a classic histogram always has one (is the query missing "
        "buckets, or filtering le?)");
  }
  // Lower each cumulative count to the smallest at or above it.
  BucketIncrements increments;
  std::vector<int64_t> cumulative(counts.size());
  int64_t ceiling = std::numeric_limits<int64_t>::max();
  for (size_t i = counts.size(); i-- > 0;) {
    const int64_t rounded = std::llround(std::max(0.0, counts[i].cumulative));
    cumulative[i] = std::min(rounded, ceiling);
    increments.clamped += rounded - cumulative[i];
    ceiling = cumulative[i];
  }
  int64_t below = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    increments.bounds.push_back(counts[i].bound);
    increments.counts.push_back(cumulative[i] - below);
    below = cumulative[i];
  }
  return increments;
}

void ToCommonLayout(BucketIncrements& a, BucketIncrements& b) {
  if (a.bounds == b.bounds) return;
  std::vector<double> common;
  std::set_intersection(a.bounds.begin(), a.bounds.end(), b.bounds.begin(), b.bounds.end(),
                        std::back_inserter(common));
  Rebucket(a, common);
  Rebucket(b, common);
}

}  // namespace kanarya::metrics
