#include "analysis/histogram_metric.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "analysis/bucket_totals.h"
#include "analysis/field_checks.h"
#include "analysis/histogram_quantiles.h"
#include "analysis/metric_bookkeeping.h"
#include "analysis/rate_ratio_sequence.h"
#include "analysis/share_sequence.h"

namespace kanarya::analysis {
namespace {

// A bound whose ratio evidence is below this adds nothing worth the floor
// test's time; counting it as 0 only lowers the mean evidence.
constexpr double kNegligibleEvidence = 1e-9;

// Requests of one side above each bound of a tick's layout (suffix sums:
// above[i] counts the buckets after i), and in all.
struct SideCounts {
  std::vector<int64_t> above;
  int64_t total = 0;
};

SideCounts CountsOf(const google::protobuf::RepeatedField<int64_t>& buckets) {
  SideCounts counts;
  counts.above.assign(buckets.size(), 0);
  for (int i = buckets.size() - 1; i >= 0; --i) {
    counts.above[i] = counts.total;
    counts.total += buckets[i];  // validated: the side's sum is at most 2^52
  }
  return counts;
}

// The tests of one bound b: the canary's share of requests above b against
// (1 + tolerance) x the baseline's, and against the floor.
struct BoundTest {
  BoundTest(double at, double mixing_sd, double tolerance, double share_floor)
      : bound(at), ratio(mixing_sd, {1.0 + tolerance}), floor(share_floor, 1.0) {}

  double bound;
  RateRatioSequence ratio;
  ShareSequence floor;
  // The smaller of the two edges' evidence after the last tick.
  double evidence = 1.0;
  // Shown within its allowance at some tick (so for good: each claim is
  // tested by an e-process, whose running maximum Ville's inequality bounds).
  bool within = false;
  // Whether the last tick's layout had the bound.
  bool observable = false;
  // The share ratio's confidence sequence, intersected over time.
  Interval cs = kEverything;
};

class HistogramMetric final : public SequentialMetric {
 public:
  HistogramMetric(const v1::MetricSpec& spec, double alpha)
      : book_(spec, alpha),
        tolerance_(spec.tolerance()),
        floor_(spec.absolute_tolerance() > 0 ? spec.absolute_tolerance()
                                             : kDefaultHistogramShareFloor),
        mixing_sd_(spec.mixing_sd() > 0 ? spec.mixing_sd() : 1.0) {}

  bool Observe(const v1::Observation& o) override {
    // Fed directly, an observation may be malformed: leave it out whole.
    if (!CheckHistogram("", {o.bucket_bounds(), o.baseline_buckets(), o.canary_buckets()}).ok()) {
      return false;
    }
    const SideCounts baseline = CountsOf(o.baseline_buckets());
    const SideCounts canary = CountsOf(o.canary_buckets());
    constexpr int64_t kMax = RateRatioSequence::kMaxCumulativeCount;
    if (baseline.total > kMax - baseline_requests_ || canary.total > kMax - canary_requests_) {
      return false;  // the running counts would leave their range
    }
    baseline_requests_ += baseline.total;
    canary_requests_ += canary.total;
    totals_.Add(o);
    if (tests_.empty()) {
      for (int i = 0; i + 1 < o.bucket_bounds_size(); ++i) {
        tests_.emplace_back(o.bucket_bounds(i), mixing_sd_, tolerance_, floor_);
      }
    }
    const RateRatioSequence::Split split(canary.total, baseline.total);
    // Both layouts are sorted: walk them together; the last bound is +Inf.
    const int finite_bounds = o.bucket_bounds_size() - 1;
    int i = 0;
    for (BoundTest& test : tests_) {
      while (i < finite_bounds && o.bucket_bounds(i) < test.bound) ++i;
      test.observable = i < finite_bounds && o.bucket_bounds(i) == test.bound;
      if (!test.observable) continue;
      test.ratio.Add(canary.above[i], baseline.above[i], split);
      test.floor.Add(canary.above[i], canary.total);
    }
    if (HasData()) Evaluate();
    return canary.total > 0 && baseline.total > 0;
  }

  // With each side's p50, p90 and p99 over the ticks so far, which the
  // decisions do not need.
  v1::SequentialMetricResult Result() const override {
    v1::SequentialMetricResult result = Decisive();
    if (!HasData()) return result;
    const std::vector<v1::QuantileEstimate> quantiles =
        CompareQuantiles(totals_.baseline(), totals_.canary());
    result.mutable_quantiles()->Add(quantiles.begin(), quantiles.end());
    result.set_reason(absl::StrCat(result.reason(), "; ", DescribeQuantiles(quantiles)));
    return result;
  }

  v1::MetricState State() const override { return Decisive().state(); }

 private:
  bool HasData() const { return canary_requests_ > 0 && baseline_requests_ > 0; }

  // The result without the quantiles.
  v1::SequentialMetricResult Decisive() const {
    v1::SequentialMetricResult result;
    result.set_baseline_count(baseline_requests_);
    result.set_canary_count(canary_requests_);
    const bool within =
        HasData() && std::all_of(tests_.begin(), tests_.end(), [](const BoundTest& test) {
          return test.within || !test.observable;
        });
    const BoundTest* decider = Decider(/*among_unshown=*/!within && !book_.crossed());
    std::string detail;
    Interval cs = kEverything;
    if (decider != nullptr) {
      result.set_bucket_bound(decider->bound);
      result.set_estimate(decider->ratio.estimate());
      cs = decider->cs;
      detail = absl::StrFormat(
          "share ratio above bound %g: canary %d of %d requests, baseline %d of %d; allowed the "
          "larger of %g x the baseline's share and %g",
          decider->bound, decider->ratio.canary_events(), canary_requests_,
          decider->ratio.baseline_events(), baseline_requests_, 1.0 + tolerance_, floor_);
    }
    book_.Fill(HasData(), within, cs, 0.0, 1.0 + tolerance_, detail, result);
    return result;
  }

  // After a tick with data on both sides: each bound's evidence, its
  // promotion claim and its confidence sequence; the metric's evidence.
  void Evaluate() {
    const double claim = 2.0 / book_.alpha();  // each edge's claim at alpha / 2
    double sum = 0.0;
    for (BoundTest& test : tests_) {
      const double ratio = test.ratio.EvidenceAboveBoundaryAt(0);
      test.evidence =
          ratio < kNegligibleEvidence ? 0.0 : std::min(ratio, test.floor.EvidenceAbove());
      sum += test.evidence;
      test.within = test.within || test.ratio.EvidenceBelowBoundaryAt(0) >= claim ||
                    test.floor.EvidenceBelow() >= claim;
      const Interval cs = test.ratio.ConfidenceSequence(book_.alpha() / 2);
      test.cs = {std::max(test.cs.lower, cs.lower), std::min(test.cs.upper, cs.upper)};
    }
    book_.Record(tests_.empty() ? 0.0 : sum / static_cast<double>(tests_.size()), 0.0, kEverything);
  }

  // The bound the result reports: the one with the most evidence of a
  // regression; with `among_unshown`, among the bounds that keep the metric
  // from being shown within tolerance.
  const BoundTest* Decider(bool among_unshown) const {
    const BoundTest* best = nullptr;
    for (const BoundTest& test : tests_) {
      if (among_unshown && (test.within || !test.observable)) continue;
      if (best == nullptr || test.evidence > best->evidence) best = &test;
    }
    return best != nullptr || tests_.empty() ? best : &tests_.front();
  }

  MetricBookkeeping book_;
  const double tolerance_;
  const double floor_;
  const double mixing_sd_;
  std::vector<BoundTest> tests_;
  BucketTotals totals_;
  int64_t baseline_requests_ = 0;
  int64_t canary_requests_ = 0;
};

}  // namespace

SequentialMetricPtr MakeHistogramMetric(const v1::MetricSpec& spec, double alpha) {
  return std::make_unique<HistogramMetric>(spec, alpha);
}

}  // namespace kanarya::analysis
