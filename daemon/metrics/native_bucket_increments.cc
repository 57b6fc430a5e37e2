#include "daemon/metrics/native_bucket_increments.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kanarya::metrics {
namespace {

// Counts beyond this cannot be one tick's requests (as for classic buckets).
constexpr double kMaxCount = 1e15;
// Bounds computed as powers of the schema's base carry rounding: 2^(i/2^s)
// is within a few ulps of the exact value.
constexpr double kRelativeSlack = 1e-9;
// The powers of two that are finite, positive doubles, one below the lowest
// bucket's lower bound included.
constexpr int kMaxExponent = 1023;
constexpr int kMinExponent = -1073;
// The finest exponential schema Prometheus has: 2^8 buckets per doubling.
constexpr int kMaxSchema = 8;

// A histogram on the powers of two: `low` holds the observations at or below
// the zero threshold (the zero bucket and negative values), `by_exponent[k]`
// those in (2^(k-1), 2^k].
struct Coarse {
  double low = 0;
  std::map<int, double> by_exponent;
};

absl::Status CheckCount(double count) {
  if (!(count >= -0.5 && count <= kMaxCount)) {
    return absl::DataLossError(
        absl::StrFormat("%g is not a plausible count of requests in a bucket", count));
  }
  return absl::OkStatus();
}

// The series as PromQL writes it, for errors: {pod="a", version="v2"}.
std::string SeriesName(const Series& series) {
  std::string name = "{";
  for (const auto& [label, value] : series.labels) {
    absl::StrAppend(&name, name.size() > 1 ? ", " : "", label, "=\"", value, "\"");
  }
  return name + "}";
}

// Whether `bucket` is the zero bucket, [-threshold, threshold].
bool IsZeroBucket(const HistogramBucket& bucket) {
  return bucket.upper >= 0 && bucket.lower == -bucket.upper;
}

// The exponent k of the power-of-two bucket (2^(k-1), 2^k] holding
// (lower, upper] = (2^((i-1)/2^s), 2^(i/2^s)] for a schema s from 0 to 8 and
// an integer i; DataLoss when the bucket is no such bucket, Unimplemented
// for the exponential buckets of schemas below 0 (wider than a doubling).
absl::StatusOr<int> PowerOfTwoExponentOf(const HistogramBucket& bucket) {
  const auto not_exponential = [&bucket] {
    return absl::DataLossError(absl::StrFormat(
        "bucket (%g, %g] is not (2^((i-1)/2^s), 2^(i/2^s)] for a schema s from 0 to 8",
        bucket.lower, bucket.upper));
  };
  if (!(bucket.lower > 0 && std::isfinite(bucket.upper) && bucket.upper > bucket.lower)) {
    return not_exponential();
  }
  const double log_upper = std::log2(bucket.upper);
  const double width = log_upper - std::log2(bucket.lower);  // 2^-s
  int schema = 0;
  while (schema <= kMaxSchema &&
         std::abs(width - std::ldexp(1.0, -schema)) > std::ldexp(kRelativeSlack, -schema)) {
    ++schema;
  }
  if (schema > kMaxSchema) {
    if (width > 1) {
      return absl::UnimplementedError(absl::StrFormat(
          "bucket (%g, %g] is wider than one doubling (a schema below 0); such coarse native "
          "histograms are not read",
          bucket.lower, bucket.upper));
    }
    return not_exponential();
  }
  const double index = std::ldexp(log_upper, schema);  // i
  if (std::abs(index - std::round(index)) > kRelativeSlack * std::max(1.0, std::abs(index))) {
    return not_exponential();
  }
  const int64_t per_doubling = int64_t{1} << schema;
  const auto i = static_cast<int64_t>(std::round(index));
  // k = ceil(i / 2^s): (i-1)/2^s >= k-1, so the bucket lies within one doubling.
  const int64_t exponent = i >= 0 ? (i + per_doubling - 1) / per_doubling : i / per_doubling;
  // Every bound 2^(k-1) .. 2^k must be a finite positive double.
  if (exponent > kMaxExponent || exponent - 1 < kMinExponent) {
    return absl::DataLossError(absl::StrFormat("bucket (%g, %g] is beyond the range of bounds",
                                               bucket.lower, bucket.upper));
  }
  return static_cast<int>(exponent);
}

absl::StatusOr<Coarse> CoarseOf(const HistogramSample& sample) {
  Coarse coarse;
  for (const HistogramBucket& bucket : sample.buckets) {
    if (absl::Status s = CheckCount(bucket.count); !s.ok()) return s;
    if (IsZeroBucket(bucket)) {
      coarse.low += bucket.count;
      continue;
    }
    // A latency is never negative: a bucket of negative values is a broken
    // instrument, not fast requests (which the zero bucket would make them).
    if (bucket.lower < 0 || bucket.upper <= 0) {
      return absl::DataLossError(absl::StrFormat(
          "bucket (%g, %g] holds negative values (%g); a latency cannot be negative", bucket.lower,
          bucket.upper, bucket.count));
    }
    absl::StatusOr<int> exponent = PowerOfTwoExponentOf(bucket);
    if (!exponent.ok()) return exponent.status();
    coarse.by_exponent[*exponent] += bucket.count;
  }
  return coarse;
}

// Whether any count of `later` is below `earlier`'s: a counter reset.
bool IsReset(const Coarse& earlier, const Coarse& later) {
  if (later.low < earlier.low) return true;
  for (const auto& [exponent, count] : earlier.by_exponent) {
    const auto it = later.by_exponent.find(exponent);
    if (count > (it == later.by_exponent.end() ? 0 : it->second)) return true;
  }
  return false;
}

void Add(Coarse& sum, const Coarse& more, double sign) {
  sum.low += sign * more.low;
  for (const auto& [exponent, count] : more.by_exponent) sum.by_exponent[exponent] += sign * count;
}

// The series' growth: its one sample when it is already an increase, else
// each step's growth, a reset step counting the samples since the reset.
absl::StatusOr<std::optional<Coarse>> GrowthOf(const Series& series, bool is_increase) {
  std::vector<Coarse> samples;
  samples.reserve(series.histograms.size());
  for (const HistogramSample& sample : series.histograms) {
    absl::StatusOr<Coarse> coarse = CoarseOf(sample);
    if (!coarse.ok()) {
      return absl::Status(coarse.status().code(),
                          absl::StrCat("native histogram series ", SeriesName(series), ": ",
                                       coarse.status().message()));
    }
    samples.push_back(*std::move(coarse));
  }
  if (is_increase) return samples.back();
  if (samples.size() < 2) return std::nullopt;
  Coarse growth;
  for (size_t i = 1; i < samples.size(); ++i) {
    Add(growth, samples[i], 1);
    if (!IsReset(samples[i - 1], samples[i])) Add(growth, samples[i - 1], -1);
  }
  return growth;
}

}  // namespace

absl::StatusOr<std::optional<BucketIncrements>> NativeBucketIncrementsOf(
    const QueryResult& result) {
  const bool is_increase = result.type == ResultType::kVector;
  if (!is_increase && result.type != ResultType::kMatrix) {
    return absl::InvalidArgumentError(
        "a native histogram query must return histogram samples: increase(<name>{...}[{{window}}]) "
        "or the raw samples <name>{...}[{{window}}]");
  }
  Coarse total;
  bool any = false;
  for (const Series& series : result.series) {
    if (!series.samples.empty()) {
      return absl::InvalidArgumentError(
          "the answer mixes float samples with native histogram samples; query one histogram kind");
    }
    if (series.histograms.empty()) continue;
    absl::StatusOr<std::optional<Coarse>> growth = GrowthOf(series, is_increase);
    if (!growth.ok()) return growth.status();
    if (!growth->has_value()) continue;
    Add(total, **growth, 1);
    any = true;
  }
  // Rounded cumulative counts on 2^(first-1) .. 2^last: no bucket negative.
  std::vector<std::pair<int, double>> nonempty;
  for (const auto& [exponent, count] : total.by_exponent) {
    if (count > 0) nonempty.emplace_back(exponent, count);
  }
  if (!any || (nonempty.empty() && total.low < 0.5)) return std::nullopt;
  if (nonempty.empty()) nonempty.emplace_back(0, 0.0);  // all at or below the zero threshold
  const int first = nonempty.front().first;
  const int last = nonempty.back().first;
  double requests = total.low;
  for (const auto& [exponent, count] : nonempty) requests += count;
  if (!(requests <= kMaxCount)) {
    return absl::DataLossError(absl::StrFormat(
        "native histogram: %g requests in a tick is not a plausible count", requests));
  }
  BucketIncrements increments;
  increments.exponential = true;
  double cumulative = std::max(0.0, total.low);
  int64_t below = 0;
  for (int exponent = first - 1; exponent <= last; ++exponent) {
    if (exponent >= first) {
      const auto it = total.by_exponent.find(exponent);
      if (it != total.by_exponent.end()) cumulative += std::max(0.0, it->second);
    }
    const int64_t rounded = std::max<int64_t>(below, std::llround(cumulative));
    increments.bounds.push_back(std::ldexp(1.0, exponent));
    increments.counts.push_back(rounded - below);
    below = rounded;
  }
  increments.bounds.push_back(std::numeric_limits<double>::infinity());
  increments.counts.push_back(0);
  return increments;
}

}  // namespace kanarya::metrics
