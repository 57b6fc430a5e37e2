// The sequential analysis as a rollout sees it: power, tolerance, degenerate
// inputs, and the replay of recorded timelines. Its calibration under
// continuous monitoring is in sequential_calibration_test.cc.
#include "analysis/analysis_session.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "analysis/replay.h"
#include "analysis/testing/count_ticks.h"

namespace kanarya::analysis {
namespace {

using testing::CountTick;
using ::testing::HasSubstr;
using ::testing::Not;

v1::AnalysisSpec Spec(const std::string& text) {
  v1::AnalysisSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

constexpr char kErrorsSpec[] = R"(alpha: 0.05 metrics { name: "errors" kind: METRIC_KIND_COUNT
                                  direction: DIRECTION_INCREASE critical: true })";

// Runs `runs` rollouts of `ticks` ticks; returns the share rolled back and the
// ticks at which they were.
struct Outcome {
  double rollback_rate;
  std::vector<int> rollback_ticks;
};

template <typename MakeTick>
Outcome Simulate(const v1::AnalysisSpec& spec, int runs, int ticks, uint64_t seed,
                 MakeTick make_tick) {
  std::mt19937_64 rng(seed);
  Outcome outcome{0, {}};
  for (int run = 0; run < runs; ++run) {
    AnalysisSession session(spec);
    for (int t = 0; t < ticks; ++t) {
      session.Observe(make_tick(rng, t));
      if (session.decision() == v1::DECISION_ROLLBACK) {
        outcome.rollback_ticks.push_back(t);
        break;
      }
    }
  }
  outcome.rollback_rate = static_cast<double>(outcome.rollback_ticks.size()) / runs;
  return outcome;
}

TEST(SequentialPower, DoubledErrorRateAtTenPercentIsCaughtQuickly) {
  // The design target: 1000 baseline and 100 canary requests per 5 s, 0.5 %
  // errors doubled on the canary: caught in >= 95 % of 30-minute rollouts.
  const Outcome bad = Simulate(Spec(kErrorsSpec), 200, 360, 14, [](auto& rng, int) {
    return CountTick(rng, 1100, 1.0 / 11, 0.005, 2.0);
  });
  EXPECT_GE(bad.rollback_rate, 0.95);
}

TEST(SequentialPower, LatencyRegressionBeyondToleranceRollsBack) {
  const auto spec = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                            direction: DIRECTION_INCREASE tolerance: 0.05 })");
  const Outcome bad = Simulate(spec, 100, 200, 15, [](auto& rng, int) {
    std::normal_distribution<double> baseline(100, 8), canary(115, 8);
    v1::Tick tick;
    v1::Observation& o = (*tick.mutable_metrics())["latency"];
    o.add_baseline(baseline(rng));
    o.add_canary(canary(rng));
    return tick;
  });
  EXPECT_GE(bad.rollback_rate, 0.95);
}

TEST(SequentialTolerance, AnIncreaseWithinToleranceDoesNotRollBack) {
  // +3 % with 10 % tolerance, on a lot of data: never a regression.
  const auto spec = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                            direction: DIRECTION_INCREASE tolerance: 0.1 critical: true })");
  std::mt19937_64 rng(16);
  std::normal_distribution<double> baseline(100, 5), canary(103, 5);
  AnalysisSession session(spec);
  for (int t = 0; t < 300; ++t) {
    v1::Tick tick;
    v1::Observation& o = (*tick.mutable_metrics())["latency"];
    for (int i = 0; i < 5; ++i) o.add_baseline(baseline(rng)), o.add_canary(canary(rng));
    session.Observe(tick);
  }
  EXPECT_EQ(session.decision(), v1::DECISION_PROMOTE);
  EXPECT_EQ(session.Results()[0].state(), v1::METRIC_STATE_WITHIN_TOLERANCE);
}

TEST(SequentialTolerance, AGoodCanaryIsPromotedPromptly) {
  // The canary equals the baseline (mean 100, sd 10, 5 values a side a tick;
  // 10 % tolerance): the per-edge test must still find it within tolerance
  // quickly. Measured over 100 runs: median tick 12, slowest 27 (12 and 25
  // when the estimated allowance decided); the bounds leave room for seeds.
  const auto spec = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                            direction: DIRECTION_INCREASE tolerance: 0.1 critical: true })");
  std::mt19937_64 rng(21);
  std::normal_distribution<double> value(100, 10);
  std::vector<int> promoted_at;
  for (int run = 0; run < 100; ++run) {
    AnalysisSession session(spec);
    for (int t = 0; t < 300; ++t) {
      v1::Tick tick;
      v1::Observation& o = (*tick.mutable_metrics())["latency"];
      for (int i = 0; i < 5; ++i) o.add_baseline(value(rng)), o.add_canary(value(rng));
      session.Observe(tick);
      if (session.decision() != v1::DECISION_CONTINUE) {
        if (session.decision() == v1::DECISION_PROMOTE) promoted_at.push_back(t);
        break;
      }
    }
  }
  ASSERT_EQ(promoted_at.size(), 100u);
  std::sort(promoted_at.begin(), promoted_at.end());
  EXPECT_LE(promoted_at[50], 20);
  EXPECT_LE(promoted_at[99], 60);
}

// 1 % errors on both sides for 100 ticks, then 6 % on the canary for 100
// more (the analysis of a rollout that is being rolled back goes on): the
// confidence sequence intersected over time stays near the first effect
// while the cumulative estimate moves past it, and the reason says why.
TEST(SequentialReason, AnEffectThatChangesMidRolloutIsNamed) {
  AnalysisSession session(Spec(kErrorsSpec));
  const auto tick = [](int64_t canary_events) {
    v1::Tick t;
    v1::Observation& o = (*t.mutable_metrics())["errors"];
    o.set_baseline_events(100);
    o.set_baseline_total(10000);
    o.set_canary_events(canary_events);
    o.set_canary_total(1000);
    return t;
  };
  for (int t = 0; t < 100; ++t) session.Observe(tick(10));
  EXPECT_THAT(session.Results()[0].reason(), Not(HasSubstr("the effect changed")));
  for (int t = 0; t < 100; ++t) session.Observe(tick(60));
  ASSERT_EQ(session.decision(), v1::DECISION_ROLLBACK);
  const v1::SequentialMetricResult errors = session.Results()[0];
  EXPECT_GT(errors.estimate(), errors.cs_upper());
  EXPECT_THAT(errors.reason(), HasSubstr("the effect changed during the rollout"));
}

TEST(SequentialDegenerate, NoEventsForLongNeverPromotesACriticalCountMetric) {
  AnalysisSession session(Spec(kErrorsSpec));
  std::mt19937_64 rng(17);
  for (int t = 0; t < 500; ++t) session.Observe(CountTick(rng, 1100, 0.1, 0.0, 1.0));
  EXPECT_EQ(session.decision(), v1::DECISION_CONTINUE);
  EXPECT_EQ(session.Results()[0].state(), v1::METRIC_STATE_UNDECIDED);
  EXPECT_THAT(session.reason(), HasSubstr("errors"));
}

TEST(SequentialDegenerate, NonCriticalMetricNeedsDataButNotProofToPromote) {
  auto spec = Spec(kErrorsSpec);
  spec.mutable_metrics(0)->set_critical(false);
  spec.set_min_ticks(10);
  AnalysisSession session(spec);
  std::mt19937_64 rng(18);
  v1::Tick empty;  // a tick without any observation
  session.Observe(empty);
  EXPECT_EQ(session.Results()[0].state(), v1::METRIC_STATE_NODATA);
  for (int t = 0; t < 9; ++t) session.Observe(CountTick(rng, 1100, 0.1, 0.0, 1.0));
  EXPECT_EQ(session.decision(), v1::DECISION_CONTINUE);  // 9 ticks with data < min_ticks
  session.Observe(CountTick(rng, 1100, 0.1, 0.0, 1.0));
  EXPECT_EQ(session.decision(), v1::DECISION_PROMOTE);
}

TEST(SequentialDegenerate, MinTicksCountsOnlyTicksWithDataOnBothSides) {
  auto spec = Spec(kErrorsSpec);
  spec.mutable_metrics(0)->set_critical(false);
  spec.set_min_ticks(5);
  AnalysisSession session(spec);
  std::mt19937_64 rng(20);
  v1::Tick empty;
  v1::Tick canary_only = CountTick(rng, 1100, 0.1, 0.0, 1.0);
  (*canary_only.mutable_metrics())["errors"].set_baseline_total(0);
  for (int t = 0; t < 3; ++t) session.Observe(empty), session.Observe(canary_only);
  for (int t = 0; t < 4; ++t) session.Observe(CountTick(rng, 1100, 0.1, 0.0, 1.0));
  EXPECT_EQ(session.decision(), v1::DECISION_CONTINUE);  // 10 ticks, 4 with data
  EXPECT_THAT(session.reason(), HasSubstr("4 of at least 5 ticks with data"));
  session.Observe(CountTick(rng, 1100, 0.1, 0.0, 1.0));
  EXPECT_EQ(session.decision(), v1::DECISION_PROMOTE);
}

TEST(SequentialDegenerate, ZeroTrafficTicksAndNaNSamplesChangeNothing) {
  const auto spec = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                            direction: DIRECTION_INCREASE tolerance: 0.1 })");
  AnalysisSession session(spec);
  v1::Tick tick;
  v1::Observation& o = (*tick.mutable_metrics())["latency"];
  o.add_baseline(NAN);
  o.add_canary(INFINITY);
  for (int t = 0; t < 50; ++t) session.Observe(tick);
  EXPECT_EQ(session.Results()[0].state(), v1::METRIC_STATE_NODATA);
  EXPECT_EQ(session.decision(), v1::DECISION_CONTINUE);
}

v1::ReplayRequest ReplayOf(const std::string& text) {
  v1::ReplayRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

TEST(Replay, StopsAtTheFirstRollbackAndReportsTheTick) {
  std::mt19937_64 rng(19);
  v1::ReplayRequest request;
  *request.mutable_analysis() = Spec(kErrorsSpec);
  for (int t = 0; t < 300; ++t) {
    *request.add_ticks() = CountTick(rng, 2000, 0.2, 0.005, t < 20 ? 1.0 : 4.0);
  }
  const auto response = Replay(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->decision(), v1::DECISION_ROLLBACK);
  EXPECT_GE(response->decided_at_tick(), 20);
  EXPECT_LT(response->decided_at_tick(), 120);
  EXPECT_EQ(response->metrics(0).state(), v1::METRIC_STATE_REGRESSION);
  EXPECT_LE(response->metrics(0).p_value(), 0.05);
  EXPECT_GT(response->metrics(0).cs_lower(), 1.0);
}

TEST(Replay, BadInputNamesTheField) {
  const auto unknown = Replay(ReplayOf(std::string("analysis {") + kErrorsSpec +
                                       "} ticks { metrics { key: 'latency' value {} } }"));
  EXPECT_EQ(unknown.status().message(),
            "ticks[0].metrics[\"latency\"]: no metric of that name in the analysis");
  const auto negative = Replay(ReplayOf(std::string("analysis {") + kErrorsSpec +
                                        "} ticks {} ticks { metrics { key: 'errors' value { "
                                        "canary_events: -2 canary_total: 5 } } }"));
  EXPECT_EQ(negative.status().message(),
            "ticks[1].metrics[\"errors\"].canary_events: must be >= 0, got -2");
  const auto no_ticks = Replay(ReplayOf(std::string("analysis {") + kErrorsSpec + "}"));
  EXPECT_EQ(no_ticks.status().message(), "ticks: must not be empty");
  const auto alpha = Replay(ReplayOf("analysis { alpha: 2 } ticks {}"));
  EXPECT_EQ(alpha.status().message(), "analysis.alpha: must be in (0, 1), got 2");
  const auto samples =
      Replay(ReplayOf(std::string("analysis {") + kErrorsSpec +
                      "} ticks { metrics { key: 'errors' value { canary: 1 } } }"));
  EXPECT_EQ(samples.status().message(),
            "ticks[0].metrics[\"errors\"].canary: must be empty for a count metric");
}

// 2100 ticks of 2^52 requests a side (each tick valid on its own): the
// running totals pass 2^62 at the 1025th tick.
v1::Tick HugeCountTick() {
  constexpr int64_t kPerTick = int64_t{1} << 52;
  v1::Tick tick;
  v1::Observation& o = (*tick.mutable_metrics())["errors"];
  o.set_baseline_total(kPerTick);
  o.set_baseline_events(kPerTick / 100);
  o.set_canary_total(kPerTick);
  o.set_canary_events(kPerTick / 100);
  return tick;
}

TEST(Replay, CumulativeTotalsBeyondRangeAreRejected) {
  v1::ReplayRequest request;
  *request.mutable_analysis() = Spec(kErrorsSpec);
  for (int t = 0; t < 2100; ++t) *request.add_ticks() = HugeCountTick();
  const auto response = Replay(request);
  // 1025 x 2^52 = 4616189618054758400 > 2^62.
  EXPECT_EQ(response.status().message(),
            "ticks[1024].metrics[\"errors\"].baseline_total: cumulative total exceeds 2^62 "
            "(4616189618054758400) over the timeline so far");
  request.mutable_ticks()->DeleteSubrange(1024, 2100 - 1024);
  EXPECT_TRUE(Replay(request).ok());
}

TEST(AnalysisSession, CountsPastTheirRangeAreLeftOutNotWrapped) {
  // Fed directly, as the engine does: the running totals stay in range
  // (with UBSan, no signed overflow) and the metric keeps its data.
  AnalysisSession session(Spec(kErrorsSpec));
  for (int t = 0; t < 2100; ++t) session.Observe(HugeCountTick());
  v1::Tick extreme = HugeCountTick();
  (*extreme.mutable_metrics())["errors"].set_baseline_total(std::numeric_limits<int64_t>::max());
  session.Observe(extreme);
  const v1::SequentialMetricResult result = session.Results().at(0);
  EXPECT_EQ(result.baseline_count(), 1024 * (int64_t{1} << 52));
  EXPECT_EQ(result.canary_count(), 1024 * (int64_t{1} << 52));
  EXPECT_NE(result.state(), v1::METRIC_STATE_NODATA);
  EXPECT_NEAR(result.estimate(), 1.0, 1e-12);
}

TEST(Replay, AHistoryOfTheBaselineIsValidatedAndSpeedsUpDetection) {
  // +12 % latency with 5 % tolerance, one value a side a tick: with 120
  // ticks of the baseline before the rollout the regression is caught
  // sooner than without, in every one of these seeds.
  const auto spec = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                            direction: DIRECTION_INCREASE tolerance: 0.05 critical: true })");
  for (uint64_t seed = 30; seed < 35; ++seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> baseline(100, 6), canary(112, 6);
    v1::ReplayRequest request;
    *request.mutable_analysis() = spec;
    for (int t = 0; t < 120; ++t) {
      (*request.add_history()->mutable_metrics())["latency"].add_baseline(baseline(rng));
    }
    for (int t = 0; t < 200; ++t) {
      v1::Observation& o = (*request.add_ticks()->mutable_metrics())["latency"];
      o.add_baseline(baseline(rng));
      o.add_canary(canary(rng));
    }
    const auto with = Replay(request);
    request.clear_history();
    const auto without = Replay(request);
    ASSERT_TRUE(with.ok() && without.ok());
    EXPECT_EQ(with->decision(), v1::DECISION_ROLLBACK);
    EXPECT_EQ(without->decision(), v1::DECISION_ROLLBACK);
    EXPECT_LT(with->decided_at_tick(), without->decided_at_tick()) << seed;
  }
  const auto bad = Replay(ReplayOf(
      R"(analysis { metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                                   direction: DIRECTION_INCREASE } }
         ticks {} history {} history { metrics { key: "latency" value { baseline: 1
                                                   canary_total: 3 } } })"));
  EXPECT_EQ(bad.status().message(),
            "history[1].metrics[\"latency\"]: event counts are for count metrics; give "
            "baseline and canary samples");
}

TEST(SequentialHistory, ShortOrMissingHistoriesChangeNothing) {
  // 29 ticks of history, or 100 without the metric, are ignored: the same
  // results as without history.
  const auto spec = Spec(R"(metrics { name: "latency" kind: METRIC_KIND_CONTINUOUS
                            direction: DIRECTION_INCREASE tolerance: 0.05 })");
  std::mt19937_64 rng(40);
  std::normal_distribution<double> noise(100, 6);
  std::vector<v1::Tick> short_history(29), other_metric(100);
  for (v1::Tick& tick : short_history) {
    (*tick.mutable_metrics())["latency"].add_baseline(noise(rng));
  }
  for (v1::Tick& tick : other_metric) (*tick.mutable_metrics())["cpu"].add_baseline(noise(rng));
  AnalysisSession none(spec), short_one(spec, short_history), other(spec, other_metric);
  for (int t = 0; t < 15; ++t) {
    v1::Tick tick;
    v1::Observation& o = (*tick.mutable_metrics())["latency"];
    o.add_baseline(noise(rng));
    o.add_canary(5 + noise(rng));
    for (AnalysisSession* s : {&none, &short_one, &other}) s->Observe(tick);
  }
  const double evidence = none.Results()[0].regression_evidence();
  EXPECT_NE(evidence, 1.0);
  EXPECT_EQ(short_one.Results()[0].regression_evidence(), evidence);
  EXPECT_EQ(other.Results()[0].regression_evidence(), evidence);
}

TEST(AnalysisSession, APromotionSaysEachHistogramsQuantiles) {
  // Both sides alike, 1000 requests a tick: half at or below 100 ms, half in
  // (100, 200]. Read linearly in the bucket: p50 100, p90 180, p99 198.
  AnalysisSession session(Spec(R"(alpha: 0.05 metrics { name: "latency"
      kind: METRIC_KIND_HISTOGRAM direction: DIRECTION_INCREASE critical: true tolerance: 0.2 })"));
  v1::Tick tick;
  v1::Observation& latency = (*tick.mutable_metrics())["latency"];
  for (const double bound : {100.0, 200.0, std::numeric_limits<double>::infinity()}) {
    latency.add_bucket_bounds(bound);
  }
  for (const int64_t count : {500, 500, 0}) {
    latency.add_baseline_buckets(count);
    latency.add_canary_buckets(count);
  }
  for (int t = 0; t < 500 && session.decision() == v1::DECISION_CONTINUE; ++t) {
    session.Observe(tick);
  }
  ASSERT_EQ(session.decision(), v1::DECISION_PROMOTE) << session.reason();
  EXPECT_THAT(session.reason(), HasSubstr("within tolerance; latency: p50 canary 100 ["));
  EXPECT_THAT(session.reason(), HasSubstr("p90 canary 180 ["));
  EXPECT_THAT(session.reason(), HasSubstr("p99 canary 198 ["));
  EXPECT_THAT(session.reason(), HasSubstr("vs baseline 198 ["));
}

}  // namespace
}  // namespace kanarya::analysis
