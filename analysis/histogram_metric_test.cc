// The sequential test of histogram metrics: what its evidence is, how fast
// it sees slower canaries, when it promotes, and what it does with layouts
// that change and input it never validated. Its calibration under
// continuous monitoring is in sequential_calibration_test.cc.
#include "analysis/histogram_metric.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "analysis/analysis_session.h"
#include "analysis/rate_ratio_sequence.h"
#include "analysis/replay.h"
#include "analysis/share_sequence.h"
#include "analysis/testing/histogram_ticks.h"

namespace kanarya::analysis {
namespace {

using testing::HistogramTick;
using testing::IstioBounds;
using testing::LogNormalShares;

v1::MetricSpec Latency(double tolerance, bool critical = false) {
  v1::MetricSpec spec;
  spec.set_name("latency");
  spec.set_kind(v1::METRIC_KIND_HISTOGRAM);
  spec.set_direction(v1::DIRECTION_INCREASE);
  spec.set_tolerance(tolerance);
  spec.set_critical(critical);
  return spec;
}

v1::AnalysisSpec SpecOf(const v1::MetricSpec& metric) {
  v1::AnalysisSpec spec;
  spec.set_alpha(0.05);
  *spec.add_metrics() = metric;
  return spec;
}

v1::Observation Histogram(const std::vector<double>& bounds, const std::vector<int64_t>& baseline,
                          const std::vector<int64_t>& canary) {
  v1::Observation o;
  o.mutable_bucket_bounds()->Add(bounds.begin(), bounds.end());
  o.mutable_baseline_buckets()->Add(baseline.begin(), baseline.end());
  o.mutable_canary_buckets()->Add(canary.begin(), canary.end());
  return o;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ShareSequence, EvidenceIsThePoissonLikelihoodMixtureOnEachSide) {
  // 30 of 1000 requests against a level of 2 %: the mean, over the grid
  // log(p/a) = 0.1 k (k = 1..50) with weights exp(-(0.1 k)^2 / 2), of
  // (p/a)^30 exp(-1000 (p - a)); below the level the same with k negative.
  ShareSequence sequence(0.02, 1.0);
  sequence.Add(12, 400);
  sequence.Add(18, 600);
  for (const double sign : {+1.0, -1.0}) {
    double weighted = 0, weights = 0;
    for (int k = 1; k <= 50; ++k) {
      const double log_ratio = sign * 0.1 * k;
      const double w = std::exp(-0.5 * log_ratio * log_ratio);
      weighted += w * std::exp(30 * log_ratio - 1000 * 0.02 * std::expm1(log_ratio));
      weights += w;
    }
    const double evidence = sign > 0 ? sequence.EvidenceAbove() : sequence.EvidenceBelow();
    EXPECT_NEAR(evidence, weighted / weights, 1e-12 * weighted / weights) << sign;
  }
  EXPECT_GT(sequence.EvidenceAbove(), 1.0);  // 3 % against 2 %
}

TEST(HistogramMetric, EvidenceIsTheMeanOverBoundsOfTheSmallerEdge) {
  // Two bounds; tolerance 0.2, floor 0.01. Per bound, the share ratio's
  // evidence against 1.2 and the canary share's against 0.01, the smaller
  // of the two; the metric's evidence is their mean.
  v1::MetricSpec spec = Latency(0.2);
  const SequentialMetricPtr metric = MakeHistogramMetric(spec, 0.05);
  const std::vector<int64_t> baseline = {700, 250, 50}, canary = {40, 40, 20};
  metric->Observe(Histogram({100, 250, kInf}, baseline, canary));
  const RateRatioSequence::Split split(100, 1000);
  double sum = 0;
  for (const auto& [canary_above, baseline_above] : {std::pair{60, 300}, std::pair{20, 50}}) {
    RateRatioSequence ratio(1.0, {1.2});
    ratio.Add(canary_above, baseline_above, split);
    ShareSequence floor(0.01, 1.0);
    floor.Add(canary_above, 100);
    sum += std::min(ratio.EvidenceAboveBoundaryAt(0), floor.EvidenceAbove());
  }
  const v1::SequentialMetricResult result = metric->Result();
  EXPECT_NEAR(result.regression_evidence(), sum / 2, 1e-12 * sum);
  // The bound with the most evidence is reported: 20 % of the canary's
  // requests above 250 against 5 % of the baseline's.
  EXPECT_EQ(result.bucket_bound(), 250);
  EXPECT_DOUBLE_EQ(result.estimate(), (20.0 / 100) / (50.0 / 1000));
  EXPECT_EQ(result.canary_count(), 100);
  EXPECT_EQ(result.baseline_count(), 1000);
  EXPECT_DOUBLE_EQ(result.allowed_upper(), 1.2);
}

// Ticks of Istio's buckets, 1000 baseline and 100 canary requests expected a
// tick, log-normal latencies of median 100 ms and sigma 0.5, the canary's
// scaled by `slower`; returns the 0-based tick of the first decision other
// than CONTINUE, or -1, and the decision.
std::pair<int, v1::Decision> FirstDecision(const v1::MetricSpec& metric, double slower,
                                           uint64_t seed, int ticks = 360) {
  std::mt19937_64 rng(seed);
  const auto baseline = LogNormalShares(IstioBounds(), 100, 0.5);
  const auto canary = LogNormalShares(IstioBounds(), 100 * slower, 0.5);
  AnalysisSession session(SpecOf(metric));
  for (int t = 0; t < ticks; ++t) {
    session.Observe(HistogramTick(rng, IstioBounds(), baseline, canary, 1100, 1.0 / 11));
    if (session.decision() != v1::DECISION_CONTINUE) return {t, session.decision()};
  }
  return {-1, v1::DECISION_CONTINUE};
}

TEST(HistogramMetric, SlowerCanariesAreRolledBackWithinSeconds) {
  // 5 s ticks: +30 % within 4 ticks and +10 % within 40 in every one of 20
  // runs (the rollout simulation measures the times; bench/README.md).
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto [tick30, decision30] = FirstDecision(Latency(0.0, true), 1.3, seed);
    EXPECT_EQ(decision30, v1::DECISION_ROLLBACK);
    EXPECT_LT(tick30, 4) << seed;
    const auto [tick10, decision10] = FirstDecision(Latency(0.0, true), 1.1, seed);
    EXPECT_EQ(decision10, v1::DECISION_ROLLBACK);
    EXPECT_LT(tick10, 40) << seed;
  }
}

TEST(HistogramMetric, AGoodCanaryIsPromotedAndAMildlySlowerOneIsNot) {
  // The same latencies on both sides, tolerance 0.2, critical: promoted in
  // every run of 30 minutes. 10 % slower is within 0.2 at the bounds up to
  // the median, but has 1.5x the baseline's share above 250 ms: it must not
  // be promoted in any.
  int promoted = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const auto [tick, decision] = FirstDecision(Latency(0.2, true), 1.0, seed);
    promoted += decision == v1::DECISION_PROMOTE;
    const auto [slow_tick, slow_decision] = FirstDecision(Latency(0.2, true), 1.1, 100 + seed);
    EXPECT_NE(slow_decision, v1::DECISION_PROMOTE) << seed;
  }
  EXPECT_EQ(promoted, 10);
}

TEST(HistogramMetric, TimeoutsTheBaselineNeverHasAreARegression) {
  // 5 % of the canary's requests time out at 30 s (bucket (10000, 30000]);
  // the baseline has none above 1 s.
  const std::vector<double> bounds = {100, 1000, 30000, kInf};
  const SequentialMetricPtr metric = MakeHistogramMetric(Latency(0.2), 0.05);
  for (int t = 0; t < 5; ++t) metric->Observe(Histogram(bounds, {900, 100, 0, 0}, {85, 10, 5, 0}));
  const v1::SequentialMetricResult result = metric->Result();
  EXPECT_EQ(result.state(), v1::METRIC_STATE_REGRESSION) << result.reason();
  EXPECT_EQ(result.bucket_bound(), 1000);
  EXPECT_TRUE(std::isinf(result.estimate()));
  EXPECT_NE(result.reason().find("share ratio above bound 1000: canary 25 of 500 requests, "
                                 "baseline 0 of 5000"),
            std::string::npos)
      << result.reason();
}

TEST(HistogramMetric, RareSlowRequestsBelowTheFloorAreTolerated) {
  // 0.2 % of the canary's requests above 1 s, none of the baseline's: below
  // the 1 % floor, so never a regression, and shown within it in time.
  const std::vector<double> bounds = {100, 1000, kInf};
  const SequentialMetricPtr metric = MakeHistogramMetric(Latency(0.2, true), 0.05);
  for (int t = 0; t < 200; ++t) {
    metric->Observe(Histogram(bounds, {9000, 1000, 0}, {898, 100, 2}));
    EXPECT_NE(metric->Result().state(), v1::METRIC_STATE_REGRESSION) << t;
  }
  EXPECT_EQ(metric->Result().state(), v1::METRIC_STATE_WITHIN_TOLERANCE)
      << metric->Result().reason();
}

TEST(HistogramMetric, ALayoutThatCoarsensKeepsTheBoundsItStillHas) {
  // Ticks 0-9 with bounds 50, 100, 250; then only 100 and 250. The tests at
  // 100 and 250 continue; 50 keeps what it had and no longer blocks
  // promotion.
  const SequentialMetricPtr metric = MakeHistogramMetric(Latency(0.5, true), 0.05);
  for (int t = 0; t < 10; ++t) {
    EXPECT_TRUE(
        metric->Observe(Histogram({50, 100, 250, kInf}, {100, 400, 450, 50}, {10, 40, 45, 5})));
  }
  for (int t = 0; t < 400 && metric->Result().state() != v1::METRIC_STATE_WITHIN_TOLERANCE; ++t) {
    EXPECT_TRUE(metric->Observe(Histogram({100, 250, kInf}, {500, 450, 50}, {50, 45, 5})));
  }
  EXPECT_EQ(metric->Result().state(), v1::METRIC_STATE_WITHIN_TOLERANCE)
      << metric->Result().reason();
  // A regression at a bound the new layout has is still seen.
  for (int t = 0; t < 400 && metric->Result().state() != v1::METRIC_STATE_REGRESSION; ++t) {
    metric->Observe(Histogram({100, 250, kInf}, {500, 450, 50}, {10, 85, 5}));
  }
  EXPECT_EQ(metric->Result().state(), v1::METRIC_STATE_REGRESSION) << metric->Result().reason();
  EXPECT_EQ(metric->Result().bucket_bound(), 100);
}

TEST(HistogramMetric, UnvalidatedInputIsLeftOutWhole) {
  // Fed directly, as a daemon could: nothing negative, mismatched or past
  // the running range is used, and nothing wraps.
  const SequentialMetricPtr metric = MakeHistogramMetric(Latency(0.2), 0.05);
  EXPECT_FALSE(metric->Observe(Histogram({100, kInf}, {10, -1}, {1, 1})));
  EXPECT_FALSE(metric->Observe(Histogram({100, kInf}, {10}, {1, 1})));
  EXPECT_FALSE(metric->Observe(Histogram({100, 50, kInf}, {1, 1, 1}, {1, 1, 1})));
  EXPECT_FALSE(metric->Observe(Histogram({100, 250}, {1, 1}, {1, 1})));
  EXPECT_EQ(metric->Result().state(), v1::METRIC_STATE_NODATA);
  constexpr int64_t kHalf = int64_t{1} << 51;
  for (int t = 0; t < 1024; ++t) {
    ASSERT_TRUE(metric->Observe(Histogram({100, kInf}, {kHalf, kHalf}, {1, 0}))) << t;
  }
  // 1024 x 2^52 = 2^62: one more request on the baseline would pass it.
  EXPECT_FALSE(metric->Observe(Histogram({100, kInf}, {1, 0}, {1, 0})));
  EXPECT_EQ(metric->Result().baseline_count(), RateRatioSequence::kMaxCumulativeCount);
}

TEST(HistogramMetric, NoTrafficOnASideIsNoData) {
  const SequentialMetricPtr metric = MakeHistogramMetric(Latency(0.2), 0.05);
  EXPECT_FALSE(metric->Observe(Histogram({100, kInf}, {10, 1}, {0, 0})));
  EXPECT_EQ(metric->Result().state(), v1::METRIC_STATE_NODATA);
}

TEST(HistogramMetric, ReplaysTheIssuesJsonTimeline) {
  // Twelve ticks in the proto3 JSON form: the canary's requests all above
  // 100 ms, the baseline's mostly below: rolled back, naming the bound.
  std::string ticks;
  for (int t = 0; t < 12; ++t) {
    ticks += std::string(t ? "," : "") +
             R"({"metrics": {"latency": {"bucketBounds": [50, 100, 250, "Infinity"],
                 "baselineBuckets": ["300", 500, 180, 20], "canaryBuckets": [0, 0, "90", 10]}}})";
  }
  v1::ReplayRequest request;
  const std::string json =
      R"({"analysis": {"metrics": [{"name": "latency", "kind": "METRIC_KIND_HISTOGRAM",
          "direction": "DIRECTION_INCREASE", "tolerance": 0.2}]}, "ticks": [)" +
      ticks + "]}";
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &request).ok());
  const auto response = Replay(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->decision(), v1::DECISION_ROLLBACK);
  EXPECT_LT(response->decided_at_tick(), 3);
  EXPECT_EQ(response->metrics(0).bucket_bound(), 100);
  EXPECT_NE(response->reason().find("share ratio above bound 100"), std::string::npos)
      << response->reason();
  // Each side's p50, p90, p99 as histogram_quantile reads them: the
  // baseline's median is rank 500 of 1000 a tick, 200 into the (50, 100]
  // bucket's 500; the canary's is 50 into the (100, 250] bucket's 90.
  const v1::SequentialMetricResult& latency = response->metrics(0);
  ASSERT_EQ(latency.quantiles_size(), 3);
  EXPECT_EQ(latency.quantiles(0).quantile(), 0.5);
  EXPECT_DOUBLE_EQ(latency.quantiles(0).baseline(), 50 + 50 * 200.0 / 500);
  EXPECT_DOUBLE_EQ(latency.quantiles(0).canary(), 100 + 150 * 50.0 / 90);
  EXPECT_LT(latency.quantiles(0).canary_lower(), latency.quantiles(0).canary());
  EXPECT_GT(latency.quantiles(0).canary_upper(), latency.quantiles(0).canary());
  EXPECT_EQ(latency.quantiles(2).quantile(), 0.99);
  EXPECT_NE(latency.reason().find("p50 canary 183.3 ["), std::string::npos) << latency.reason();
}

}  // namespace
}  // namespace kanarya::analysis
