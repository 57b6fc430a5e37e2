#include "analysis/histogram_quantiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/binomial.h"
#include "analysis/normal.h"

namespace kanarya::analysis {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kQuantiles[] = {0.5, 0.9, 0.99};
constexpr double kQuantileConfidence = 0.95;

// The bucket a rank falls in: the first whose cumulative count reaches it.
size_t BucketOfRank(const CumulativeCounts& counts, double rank) {
  const auto it = std::lower_bound(
      counts.cumulative.begin(), counts.cumulative.end(), rank,
      [](int64_t cumulative, double r) { return static_cast<double>(cumulative) < r; });
  return std::min(static_cast<size_t>(it - counts.cumulative.begin()),
                  counts.cumulative.size() - 1);
}

// The smallest k in [0, n] with P(Binomial(n, q) <= k) >= p: from the
// normal approximation, gallop to a bracket, then bisect.
int64_t BinomialQuantile(double p, int64_t n, double q) {
  const double mean = static_cast<double>(n) * q;
  const double sd = std::sqrt(mean * (1 - q));
  const auto reaches = [&](int64_t k) { return BinomialLowerTail(k, n, q) >= p; };
  const double guess = std::floor(mean + NormalQuantile(p) * sd);
  int64_t k = static_cast<int64_t>(std::clamp(guess, 0.0, static_cast<double>(n)));
  // Invariant after the gallop: !reaches(low) (or low = -1), reaches(high).
  int64_t low, high;
  if (reaches(k)) {
    high = k;
    int64_t step = 1;
    low = k - step;
    while (low >= 0 && reaches(low)) {
      high = low;
      step *= 2;
      low = std::max<int64_t>(high - step, -1);
    }
  } else {
    low = k;
    int64_t step = 1;
    high = std::min(k + step, n);  // reaches(n) always holds
    while (!reaches(high)) {
      low = high;
      step *= 2;
      high = std::min(low + step, n);
    }
  }
  while (high - low > 1) {
    const int64_t mid = low + (high - low) / 2;
    (reaches(mid) ? high : low) = mid;
  }
  return high;
}

std::string Number(double value) { return absl::StrFormat("%.4g", value); }

}  // namespace

std::vector<int64_t> Cumulative(std::span<const int64_t> buckets) {
  std::vector<int64_t> cumulative;
  cumulative.reserve(buckets.size());
  int64_t sum = 0;
  for (int64_t count : buckets) cumulative.push_back(sum += count);
  return cumulative;
}

double ValueAtRank(const CumulativeCounts& counts, double rank) {
  const size_t last = counts.cumulative.size() - 1;
  if (counts.cumulative[last] == 0) return std::nan("");
  const size_t bucket = BucketOfRank(counts, rank);
  if (bucket == last) return counts.bounds[last - 1];  // +Inf: the largest finite bound
  const double end = counts.bounds[bucket];
  if (bucket == 0 && end <= 0) return end;
  const double start = bucket == 0 ? 0.0 : counts.bounds[bucket - 1];
  const double below = bucket == 0 ? 0.0 : static_cast<double>(counts.cumulative[bucket - 1]);
  const double in_bucket = static_cast<double>(counts.cumulative[bucket]) - below;
  return start + (end - start) * std::clamp((rank - below) / in_bucket, 0.0, 1.0);
}

Interval OrderStatisticRanks(int64_t n, double q, double confidence) {
  const double tail = (1 - confidence) / 2;
  return {static_cast<double>(BinomialQuantile(tail, n, q)),
          static_cast<double>(BinomialQuantile(1 - tail, n, q) + 1)};
}

QuantileReading ReadQuantile(const CumulativeCounts& counts, double q, double confidence) {
  const int64_t n = counts.cumulative.back();
  if (n == 0) {
    const double nan = std::nan("");
    return {nan, {nan, nan}};
  }
  const Interval ranks = OrderStatisticRanks(n, q, confidence);
  const size_t last = counts.cumulative.size() - 1;
  const double total = static_cast<double>(n);
  QuantileReading reading{ValueAtRank(counts, q * total), {-kInfinity, kInfinity}};
  if (ranks.lower >= 1) reading.interval.lower = ValueAtRank(counts, ranks.lower);
  // Above the largest finite bound nothing is known: the upper end is open.
  if (ranks.upper <= total && BucketOfRank(counts, ranks.upper) != last) {
    reading.interval.upper = ValueAtRank(counts, ranks.upper);
  }
  return reading;
}

std::vector<v1::QuantileEstimate> CompareQuantiles(const CumulativeCounts& baseline,
                                                   const CumulativeCounts& canary) {
  std::vector<v1::QuantileEstimate> estimates;
  for (double q : kQuantiles) {
    const QuantileReading b = ReadQuantile(baseline, q, kQuantileConfidence);
    const QuantileReading c = ReadQuantile(canary, q, kQuantileConfidence);
    v1::QuantileEstimate& e = estimates.emplace_back();
    e.set_quantile(q);
    e.set_baseline(b.estimate);
    e.set_baseline_lower(b.interval.lower);
    e.set_baseline_upper(b.interval.upper);
    e.set_canary(c.estimate);
    e.set_canary_lower(c.interval.lower);
    e.set_canary_upper(c.interval.upper);
  }
  return estimates;
}

std::string DescribeQuantiles(const std::vector<v1::QuantileEstimate>& quantiles) {
  std::string text;
  for (const v1::QuantileEstimate& e : quantiles) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", "p", Number(100 * e.quantile()), " canary ",
                    Number(e.canary()), " [", Number(e.canary_lower()), ", ",
                    Number(e.canary_upper()), "] vs baseline ", Number(e.baseline()), " [",
                    Number(e.baseline_lower()), ", ", Number(e.baseline_upper()), "]");
  }
  return text;
}

std::string DescribeResultQuantiles(std::span<const v1::SequentialMetricResult> results) {
  std::string text;
  for (const v1::SequentialMetricResult& result : results) {
    if (result.quantiles().empty()) continue;
    absl::StrAppend(&text, text.empty() ? "" : "; ", result.name(), ": ",
                    DescribeQuantiles({result.quantiles().begin(), result.quantiles().end()}));
  }
  return text;
}

}  // namespace kanarya::analysis
