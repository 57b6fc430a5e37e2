// Bucket increments from a real Prometheus holding known histograms: what
// each bucket series' difference over a minute answers through
// PrometheusProvider, turned into per-bucket requests, across a counter
// reset, a bound one side lacks, pods with other layouts reporting side by
// side, and a pod whose bucket series appear at different times.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analysis/histogram_quantiles.h"
#include "daemon/metrics/bucket_increments.h"
#include "daemon/metrics/prometheus_provider.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::metrics {
namespace {

using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();

// 121 samples 15 s apart from t0 of one histogram, lat_ms_bucket, per pod.
// Each series' value at sample k is its cumulative count `per_sample` x the
// samples since the pod started (or restarted).
//   baseline/b1  le 50, 100, 250, +Inf: 10, 30, 35, 36 per sample; the pod
//                restarts at sample 40 (its counters start over from 0).
//   canary/c1    le 50, 100, 250, 500, +Inf: 1, 3, 4, 5, 5; samples 0-80.
//   canary/c2    le 50, 250, 500, +Inf (no 100: a release with other
//                buckets): 1, 4, 5, 5; samples 80-120.
//   canary/c3    le 50, 500, +Inf: 10 each from sample 100; its le="250"
//                series has one sample, at 120.
struct KnownHistograms {
  absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
  absl::Time At(int k) const { return t0 + absl::Seconds(15 * k); }

  struct Pod {
    std::string workload, pod;
    std::vector<std::pair<std::string, int>> le_per_sample;
    int first, last, restart;
  };

  std::string OpenMetrics() const {
    const Pod pods[] = {
        {"baseline", "b1", {{"50", 10}, {"100", 30}, {"250", 35}, {"+Inf", 36}}, 0, 120, 40},
        {"canary", "c1", {{"50", 1}, {"100", 3}, {"250", 4}, {"500", 5}, {"+Inf", 5}}, 0, 80, -1},
        {"canary", "c2", {{"50", 1}, {"250", 4}, {"500", 5}, {"+Inf", 5}}, 80, 120, -1},
        {"canary", "c3", {{"50", 10}, {"500", 10}, {"+Inf", 10}}, 100, 120, -1},
        {"canary", "c3", {{"250", 10}}, 120, 120, -1},
    };
    std::string text = "# TYPE lat_ms histogram\n";
    for (const Pod& pod : pods) {
      for (const auto& [le, per_sample] : pod.le_per_sample) {
        for (int k = pod.first; k <= pod.last; ++k) {
          const int since = pod.restart >= 0 && k >= pod.restart ? k - pod.restart : k - pod.first;
          absl::StrAppend(&text, "lat_ms_bucket{workload=\"", pod.workload, "\",pod=\"", pod.pod,
                          "\",le=\"", le, "\"} ", per_sample * since, " ",
                          absl::ToUnixSeconds(At(k)), "\n");
        }
      }
    }
    return text + "# EOF\n";
  }
};

class BucketIncrementsLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new KnownHistograms();
    auto server = lab::PrometheusServer::Start(data_->OpenMetrics());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_;
  }

  // Each series' exact difference over the minute before sample k, a series
  // whose counter went down (a restart) left out.
  static std::string PerSeries(const std::string& workload) {
    const std::string selector = absl::StrCat("lat_ms_bucket{workload=\"", workload, "\"}");
    return absl::StrCat("(", selector, " - ", selector, " offset 1m) >= 0");
  }

  static absl::StatusOr<std::optional<BucketIncrements>> Read(const std::string& expression,
                                                              int k) {
    PrometheusProvider provider(server_->url(), {});
    const auto result =
        provider.Run(Query{.expression = expression, .start = data_->At(k), .end = data_->At(k)});
    if (!result.ok()) return result.status();
    return BucketIncrementsOf(*result);
  }

  // One side's increments; a failure or no data fails the test.
  static BucketIncrements Side(const std::string& workload, int k) {
    const auto increments = Read(PerSeries(workload), k);
    EXPECT_TRUE(increments.ok()) << increments.status();
    if (!increments.ok() || !increments->has_value()) {
      ADD_FAILURE() << workload << " has no data at sample " << k;
      return {};
    }
    return **increments;
  }

  static KnownHistograms* data_;
  static lab::PrometheusServer* server_;
};

KnownHistograms* BucketIncrementsLabTest::data_ = nullptr;
lab::PrometheusServer* BucketIncrementsLabTest::server_ = nullptr;

TEST_F(BucketIncrementsLabTest, AMinuteOfSamplesIsFourSamplesOfRequestsPerBucket) {
  // Samples 56-60: 4 x (10, 20, 5, 1) on the baseline; the canary's c1 adds
  // 4 x (1, 2, 1, 1, 0) with a bound at 500 the baseline lacks.
  BucketIncrements baseline = Side("baseline", 60);
  BucketIncrements canary = Side("canary", 60);
  EXPECT_THAT(baseline.bounds, ElementsAre(50, 100, 250, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(40, 80, 20, 4));
  EXPECT_THAT(canary.bounds, ElementsAre(50, 100, 250, 500, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(4, 8, 4, 4, 0));
  // The bound only the canary has goes: both on 50, 100, 250, +Inf.
  ASSERT_TRUE(ToCommonLayout(baseline, canary).ok());
  EXPECT_THAT(canary.bounds, ElementsAre(50, 100, 250, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(4, 8, 4, 4));
  EXPECT_THAT(baseline.counts, ElementsAre(40, 80, 20, 4));
}

TEST_F(BucketIncrementsLabTest, ARestartedPodIsLeftOutOfTheTickItRestartedIn) {
  // b1 restarts at sample 40: over 38-42 its counters went down, so `>= 0`
  // leaves every series out and the tick has no data (never negative
  // requests); over 40-44 it counts 4 samples from 0 again.
  const auto restarted = Read(PerSeries("baseline"), 42);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_FALSE(restarted->has_value());
  const BucketIncrements after = Side("baseline", 44);
  EXPECT_THAT(after.counts, ElementsAre(40, 80, 20, 4));
}

TEST_F(BucketIncrementsLabTest, PodsWithOtherLayoutsAreAddedOnTheBoundsAllHave) {
  // At sample 100 the old pod c1 (with a bound at 100; gone since 80, still
  // within Prometheus' 5-minute lookback) adds 0 and the new c2 (without it)
  // 4 x (1, 3, 1, 0): on their common bounds 50, 250, 500, +Inf. Summed by
  // le alone, the old pod's 0 at 100 would be the canary's count there.
  BucketIncrements baseline = Side("baseline", 100);
  BucketIncrements canary = Side("canary", 100);
  EXPECT_THAT(canary.bounds, ElementsAre(50, 250, 500, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(4, 12, 4, 0));
  ASSERT_TRUE(ToCommonLayout(baseline, canary).ok());
  EXPECT_THAT(baseline.bounds, ElementsAre(50, 250, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(40, 100, 4));
  EXPECT_THAT(canary.counts, ElementsAre(4, 12, 4));
}

TEST_F(BucketIncrementsLabTest, APodMissingABoundIsExactPerPodAndClampedWhenSummed) {
  // Samples 106-110: c2 gives cumulative 4, 16, 20, 20 at 50, 250, 500, +Inf;
  // c3 40 at 50, 500 and +Inf and nothing at 250 (its series has no sample
  // a minute back). Per pod, on 50, 500, +Inf: 44, 16, 0.
  const BucketIncrements canary = Side("canary", 110);
  EXPECT_THAT(canary.bounds, ElementsAre(50, 500, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(44, 16, 0));
  EXPECT_EQ(canary.clamped, 0);
  // Summed by le alone, 44 at 50 against 16 at 250 is not a histogram: 50
  // is lowered to 16, the 28 requests moved up are counted.
  const auto summed = Read(absl::StrCat("sum by (le) (", PerSeries("canary"), ")"), 110);
  ASSERT_TRUE(summed.ok()) << summed.status();
  ASSERT_TRUE(summed->has_value());
  EXPECT_THAT((*summed)->bounds, ElementsAre(50, 250, 500, kInf));
  EXPECT_THAT((*summed)->counts, ElementsAre(16, 0, 44, 0));
  EXPECT_EQ((*summed)->clamped, 28);
}

TEST_F(BucketIncrementsLabTest, QuantilesReadFromTheIncrementsAreHistogramQuantiles) {
  // The analysis reads a side's quantiles from its buckets as Prometheus'
  // histogram_quantile does; both sides at sample 60, p50, p90 and p99 (the
  // baseline's p99 falls in +Inf and reads as 250).
  PrometheusProvider provider(server_->url(), {});
  for (const std::string workload : {"baseline", "canary"}) {
    const BucketIncrements side = Side(workload, 60);
    const std::vector<int64_t> cumulative = analysis::Cumulative(side.counts);
    for (const double q : {0.5, 0.9, 0.99}) {
      const std::string expression =
          absl::StrCat("histogram_quantile(", q, ", sum by (le) (", PerSeries(workload), "))");
      const auto result = provider.Run(
          Query{.expression = expression, .start = data_->At(60), .end = data_->At(60)});
      ASSERT_TRUE(result.ok()) << result.status();
      ASSERT_EQ(result->series.size(), 1u);
      EXPECT_NEAR(analysis::ReadQuantile({side.bounds, cumulative}, q, 0.95).estimate,
                  result->series[0].samples[0].value, 1e-9)
          << workload << " " << q;
    }
  }
}

}  // namespace
}  // namespace kanarya::metrics
