// Quantiles read from buckets: histogram_quantile's reading, the order
// statistics' ranks against R (tests/fixtures/generate_histogram_fixtures.R),
// the intervals' coverage, and the running totals across layouts.
#include "analysis/histogram_quantiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "analysis/bucket_totals.h"
#include "tests/testing/reference_values.h"

namespace kanarya::analysis {
namespace {

using ::kanarya::testing::LoadFixture;
using ::kanarya::testing::Number;

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(HistogramQuantiles, OrderStatisticRanksMatchR) {
  const nlohmann::json reference = LoadFixture("histogram_reference.json");
  ASSERT_FALSE(reference["order_statistic_ranks"].empty());
  for (const auto& c : reference["order_statistic_ranks"]) {
    const auto n = static_cast<int64_t>(Number(c["n"]));
    const Interval ranks = OrderStatisticRanks(n, Number(c["q"]), Number(c["confidence"]));
    EXPECT_EQ(ranks.lower, Number(c["lower"])) << c.dump();
    EXPECT_EQ(ranks.upper, Number(c["upper"])) << c.dump();
  }
}

TEST(HistogramQuantiles, ReadsAsHistogramQuantileDoes) {
  // Buckets (0, 100], (100, 250], (250, 500], (500, +Inf] holding 50, 30,
  // 15 and 5 of 100 requests. p50: rank 50 ends the first bucket, 100. p90:
  // rank 90 is 10 of the third bucket's 15, 250 + 250 x 10/15. p99: rank 99
  // is in +Inf, which reads as the largest finite bound, 500.
  const std::vector<double> bounds = {100, 250, 500, kInf};
  const std::vector<int64_t> cumulative = Cumulative(std::vector<int64_t>{50, 30, 15, 5});
  ASSERT_EQ(cumulative, (std::vector<int64_t>{50, 80, 95, 100}));
  const CumulativeCounts counts{bounds, cumulative};
  EXPECT_DOUBLE_EQ(ValueAtRank(counts, 50), 100);
  EXPECT_DOUBLE_EQ(ValueAtRank(counts, 90), 250 + 250 * 10.0 / 15);
  EXPECT_DOUBLE_EQ(ValueAtRank(counts, 99), 500);
  EXPECT_DOUBLE_EQ(ValueAtRank(counts, 25), 50);  // the first bucket starts at 0
  // The median's interval: ranks 40 and 61 (qbinom(c(0.025, 0.975), 100,
  // 0.5) + c(0, 1)), read as 80 and 100 + 150 x 11/30.
  const QuantileReading median = ReadQuantile(counts, 0.5, 0.95);
  EXPECT_DOUBLE_EQ(median.estimate, 100);
  EXPECT_DOUBLE_EQ(median.interval.lower, 80);
  EXPECT_DOUBLE_EQ(median.interval.upper, 100 + 150 * 11.0 / 30);
  // The p99's upper order statistic would be the 101st of 100: open.
  const QuantileReading p99 = ReadQuantile(counts, 0.99, 0.95);
  EXPECT_DOUBLE_EQ(p99.estimate, 500);
  EXPECT_EQ(p99.interval.upper, kInf);
  // A first bound at or below 0 is the value itself; no requests, NaN.
  const std::vector<double> negative = {-5, 10, kInf};
  const std::vector<int64_t> at_negative = {4, 8, 8};
  EXPECT_DOUBLE_EQ(ValueAtRank({negative, at_negative}, 2), -5);
  const std::vector<int64_t> none = {0, 0, 0};
  EXPECT_TRUE(std::isnan(ReadQuantile({negative, none}, 0.5, 0.95).estimate));
}

TEST(HistogramQuantiles, IntervalsCoverTheQuantileWhereTheBucketsResolveIt) {
  // Uniform latencies on (0, 100) in 1-wide buckets are uniform within each
  // bucket, so the linear reading is exact; the 95 % intervals of the
  // median and the p90 from 300 requests must cover 50 and 90 about 95 %
  // of the time (at least 93 % in 1000 runs: 2.9 sd below 0.95).
  std::vector<double> bounds;
  for (int b = 1; b <= 100; ++b) bounds.push_back(b);
  bounds.push_back(kInf);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> latency(0, 100);
  int median_covered = 0, p90_covered = 0;
  constexpr int kRuns = 1000;
  for (int run = 0; run < kRuns; ++run) {
    std::vector<int64_t> buckets(bounds.size(), 0);
    for (int i = 0; i < 300; ++i) ++buckets[static_cast<size_t>(std::ceil(latency(rng))) - 1];
    const std::vector<int64_t> cumulative = Cumulative(buckets);
    const QuantileReading median = ReadQuantile({bounds, cumulative}, 0.5, 0.95);
    const QuantileReading p90 = ReadQuantile({bounds, cumulative}, 0.9, 0.95);
    median_covered += median.interval.lower <= 50 && 50 <= median.interval.upper;
    p90_covered += p90.interval.lower <= 90 && 90 <= p90.interval.upper;
  }
  EXPECT_GE(median_covered, 0.93 * kRuns);
  EXPECT_GE(p90_covered, 0.93 * kRuns);
}

v1::Observation Histogram(const std::vector<double>& bounds, const std::vector<int64_t>& baseline,
                          const std::vector<int64_t>& canary) {
  v1::Observation o;
  o.mutable_bucket_bounds()->Add(bounds.begin(), bounds.end());
  o.mutable_baseline_buckets()->Add(baseline.begin(), baseline.end());
  o.mutable_canary_buckets()->Add(canary.begin(), canary.end());
  return o;
}

TEST(BucketTotals, AddsTicksAndCoarsensToTheBoundsEveryTickHad) {
  BucketTotals totals;
  totals.Add(Histogram({50, 100, 250, kInf}, {10, 20, 30, 40}, {1, 2, 3, 4}));
  totals.Add(Histogram({50, 100, 250, kInf}, {1, 1, 1, 1}, {0, 0, 0, 1}));
  EXPECT_EQ(std::vector<int64_t>(totals.baseline().cumulative.begin(),
                                 totals.baseline().cumulative.end()),
            (std::vector<int64_t>{11, 32, 63, 104}));
  // A layout without 50 and with 500: the totals keep 100, 250 and +Inf.
  totals.Add(Histogram({100, 250, 500, kInf}, {5, 5, 5, 5}, {1, 1, 1, 1}));
  EXPECT_EQ(std::vector<double>(totals.baseline().bounds.begin(), totals.baseline().bounds.end()),
            (std::vector<double>{100, 250, kInf}));
  EXPECT_EQ(std::vector<int64_t>(totals.baseline().cumulative.begin(),
                                 totals.baseline().cumulative.end()),
            (std::vector<int64_t>{37, 73, 124}));
  EXPECT_EQ(
      std::vector<int64_t>(totals.canary().cumulative.begin(), totals.canary().cumulative.end()),
      (std::vector<int64_t>{4, 8, 15}));
}

}  // namespace
}  // namespace kanarya::analysis
