// Native histogram bucket increments from a real Prometheus 2.42 (with
// --enable-feature=native-histograms) that scraped them from the lab's
// protobuf exporter: a range selector's raw samples and increase() answers,
// through PrometheusProvider, across a counter reset and pods of other
// schemas, and the two sides on one layout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/metrics/bucket_increments.h"
#include "daemon/metrics/prometheus_provider.h"
#include "tests/lab/native_histogram_exporter.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::metrics {
namespace {

using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kSamples = 41;  // 15 s apart

// lat_seconds per pod; each sample adds, since the pod started (or
// restarted), these observations per bucket of its schema:
//   baseline/b1  schema 1: zero bucket 1, (1, 1.41] 2, (1.41, 2] 3,
//                (4, 5.66] 1; restarts at sample 20. On powers of two:
//                1 at or below 1, 5 in (1, 2], 1 in (4, 8].
//   canary/c1    schema 3: (1.83, 2] 2, (2, 2.18] 4, (12.3, 13.5] 1: on
//                powers of two 2 in (1, 2], 4 in (2, 4], 1 in (8, 16].
//   canary/c2    schema 0, from sample 30: (2, 4] 2.
struct KnownNativeHistograms {
  absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Minutes(20)) / 60 * 60);
  absl::Time At(int k) const { return t0 + absl::Seconds(15 * k); }

  std::vector<lab::NativeHistogramSample> Samples() const {
    std::vector<lab::NativeHistogramSample> samples;
    for (int k = 0; k < kSamples; ++k) {
      const uint64_t b = k >= 20 ? k - 20 : k;
      samples.push_back({.labels = {{"workload", "baseline"}, {"pod", "b1"}},
                         .time = At(k),
                         .schema = 1,
                         .zero_count = b,
                         .positive = {{1, 2 * b}, {2, 3 * b}, {5, b}}});
      const uint64_t c = k;
      samples.push_back({.labels = {{"workload", "canary"}, {"pod", "c1"}},
                         .time = At(k),
                         .schema = 3,
                         .positive = {{8, 2 * c}, {9, 4 * c}, {30, c}}});
      if (k >= 30) {
        samples.push_back({.labels = {{"workload", "canary"}, {"pod", "c2"}},
                           .time = At(k),
                           .schema = 0,
                           .positive = {{2, 2u * (k - 30)}}});
      }
    }
    return samples;
  }
};

class NativeHistogramLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new KnownNativeHistograms();
    exporter_ = new lab::NativeHistogramExporter("lat_seconds", data_->Samples());
    auto server = lab::PrometheusServer::Start("# EOF\n", exporter_->target(), absl::Seconds(1),
                                               {"native-histograms"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    // Every sample is in once the last one answers (one scrape holds them all).
    PrometheusProvider provider(server_->url(), {});
    const Query last{.expression = "lat_seconds",
                     .start = data_->At(kSamples - 1),
                     .end = data_->At(kSamples - 1)};
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto result = provider.Run(last);
      if (result.ok() && result->series.size() == 3) return;
      absl::SleepFor(absl::Milliseconds(200));
    }
    FAIL() << "Prometheus did not scrape the native histograms in 20 s";
  }
  static void TearDownTestSuite() {
    delete server_;
    delete exporter_;
    delete data_;
  }

  static BucketIncrements Read(const std::string& expression, int k) {
    PrometheusProvider provider(server_->url(), {});
    const auto result =
        provider.Run(Query{.expression = expression, .start = data_->At(k), .end = data_->At(k)});
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return {};
    const auto increments = BucketIncrementsOf(*result);
    EXPECT_TRUE(increments.ok()) << increments.status();
    if (!increments.ok() || !increments->has_value()) {
      ADD_FAILURE() << expression << " has no data at sample " << k;
      return {};
    }
    return **increments;
  }

  static std::string RawSamples(const std::string& workload) {
    return absl::StrCat("lat_seconds{workload=\"", workload, "\"}[1m]");
  }

  static KnownNativeHistograms* data_;
  static lab::NativeHistogramExporter* exporter_;
  static lab::PrometheusServer* server_;
};

KnownNativeHistograms* NativeHistogramLabTest::data_ = nullptr;
lab::NativeHistogramExporter* NativeHistogramLabTest::exporter_ = nullptr;
lab::PrometheusServer* NativeHistogramLabTest::server_ = nullptr;

TEST_F(NativeHistogramLabTest, AMinuteOfRawSamplesIsFourSamplesOfRequestsOnPowersOfTwo) {
  // Samples 8-12: 4 x (1, 5, 0, 1) on the baseline from 1 up; the canary's
  // schema 3 buckets 4 x (2, 4, 0, 1) from (1, 2] up.
  BucketIncrements baseline = Read(RawSamples("baseline"), 12);
  BucketIncrements canary = Read(RawSamples("canary"), 12);
  EXPECT_THAT(baseline.bounds, ElementsAre(1, 2, 4, 8, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(4, 20, 0, 4, 0));
  EXPECT_THAT(canary.bounds, ElementsAre(1, 2, 4, 8, 16, kInf));
  EXPECT_THAT(canary.counts, ElementsAre(0, 8, 16, 0, 4, 0));
  // Each side's cumulative count is exact at every power of two: the sides
  // meet on all of their bounds, the baseline's (8, 16] empty.
  ASSERT_TRUE(ToCommonLayout(baseline, canary).ok());
  EXPECT_THAT(baseline.bounds, ElementsAre(1, 2, 4, 8, 16, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(4, 20, 0, 4, 0, 0));
  EXPECT_THAT(canary.counts, ElementsAre(0, 8, 16, 0, 4, 0));
}

TEST_F(NativeHistogramLabTest, IncreaseOverAWindowItsSamplesSpanIsTheSame) {
  // The samples at both ends of the window: increase() extrapolates nothing.
  const BucketIncrements baseline = Read("increase(lat_seconds{workload=\"baseline\"}[1m])", 12);
  EXPECT_THAT(baseline.bounds, ElementsAre(1, 2, 4, 8, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(4, 20, 0, 4, 0));
}

TEST_F(NativeHistogramLabTest, ACounterResetStartsTheCountOver) {
  // b1 restarts at sample 20 (its counts 0 there): over 18-22 it grew one
  // sample's worth before and two after; the step into the restart counts
  // what the restarted pod had (nothing), never negative requests.
  const BucketIncrements raw = Read(RawSamples("baseline"), 22);
  EXPECT_THAT(raw.counts, ElementsAre(3, 15, 0, 3, 0));
  const BucketIncrements increase = Read("increase(lat_seconds{workload=\"baseline\"}[1m])", 22);
  EXPECT_THAT(increase.counts, ElementsAre(3, 15, 0, 3, 0));
}

TEST_F(NativeHistogramLabTest, PodsOfOtherSchemasAddUpOnPowersOfTwo) {
  // Samples 30-34: c1 4 x (2, 4, 0, 1) and the new c2 (schema 0) 4 x 2 in
  // (2, 4], as raw samples per pod and as Prometheus' own sum of increases
  // (which brings both to schema 0).
  for (const std::string& expression :
       {RawSamples("canary"),
        std::string("sum by (workload) (increase(lat_seconds{workload=\"canary\"}[1m]))")}) {
    const BucketIncrements canary = Read(expression, 34);
    EXPECT_THAT(canary.bounds, ElementsAre(1, 2, 4, 8, 16, kInf)) << expression;
    EXPECT_THAT(canary.counts, ElementsAre(0, 8, 24, 0, 4, 0)) << expression;
  }
}

TEST_F(NativeHistogramLabTest, SubtractingNativeHistogramsIsNotAnAnswer) {
  // Prometheus 2.42 answers `h - h offset 1m` between native histograms
  // with a float 0 per series: read as a bucket query it has no le label
  // and is refused, never taken for zero requests.
  PrometheusProvider provider(server_->url(), {});
  const auto result = provider.Run(
      Query{.expression = "lat_seconds{workload=\"baseline\"} - lat_seconds{workload=\"baseline\"} "
                          "offset 1m",
            .start = data_->At(12),
            .end = data_->At(12)});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->series.size(), 1u);
  EXPECT_EQ(result->series[0].samples[0].value, 0);
  EXPECT_EQ(BucketIncrementsOf(*result).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kanarya::metrics
