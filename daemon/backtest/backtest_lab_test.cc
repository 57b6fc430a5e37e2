// Backtests against a real Prometheus holding known history: the backtest
// (range queries, recorded, cut per tick) must decide exactly as the same
// engine decides when it sends every tick's instant queries to that
// Prometheus, as the daemon would have live; chunks must not change anything;
// a gap is no data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <span>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "daemon/backtest/backtest.h"
#include "daemon/backtest/backtest_report.h"
#include "daemon/backtest/backtest_test_util.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/spec/rollout_document.h"
#include "daemon/spec/tick_queries.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::backtest {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr absl::Duration kScrape = absl::Seconds(10);  // one sample per tick
constexpr absl::Duration kShort = absl::Hours(5);      // the history of most tests
constexpr absl::Duration kLong = absl::Hours(32);      // beyond 11,000 ticks

// A workload's traffic per scrape; the canaries differ only as named.
struct Workload {
  const char* name;
  int requests;
  int errors;
  // Scrapes [gap_from, gap_to) are missing (a scrape failure, a restart).
  int gap_from = -1;
  int gap_to = -1;
};
constexpr Workload kBaseline{"checkout-v1", 1000, 10};
constexpr Workload kGood{"checkout-good", 1000, 10};
constexpr Workload kBad{"checkout-bad", 1000, 50};  // 5x the baseline's error ratio
// Good, but no samples from 32 to 56 minutes into the data.
constexpr Workload kGappy{"checkout-gap", 1000, 10, 32 * 6, 56 * 6};

// Every workload's samples over `span` from t0.
std::string OpenMetrics(absl::Time t0, absl::Duration span, std::span<const Workload> workloads) {
  const int64_t scrapes = span / kScrape;
  std::string text = "# TYPE http_requests counter\n";
  for (const Workload& w : workloads) {
    for (const auto& [code, per_scrape] :
         {std::pair{"200", w.requests - w.errors}, std::pair{"500", w.errors}}) {
      for (int64_t k = 0; k <= scrapes; ++k) {
        if (k >= w.gap_from && k < w.gap_to) continue;
        absl::StrAppend(&text, "http_requests_total{workload=\"", w.name, "\",code=\"", code,
                        "\"} ", per_scrape * k, " ", absl::ToUnixSeconds(t0 + k * kScrape), "\n");
      }
    }
  }
  // A latency that varies from scrape to scrape, the same for every workload.
  text += "# TYPE request_latency_ms gauge\n";
  for (const Workload& w : workloads) {
    for (int64_t k = 0; k <= scrapes; ++k) {
      if (k >= w.gap_from && k < w.gap_to) continue;
      absl::StrAppend(&text, "request_latency_ms{workload=\"", w.name, "\"} ", 50 + (k * 7) % 11,
                      " ", absl::ToUnixSeconds(t0 + k * kScrape), "\n");
    }
  }
  return text + "# EOF\n";
}

// Errors (critical) and latency, both sides by their workload.
constexpr char kSpecTemplate[] = R"yaml(
target:
  namespace: shop
  virtual_service: checkout
  destination_rule: checkout
  stable: {host: checkout.shop.svc.cluster.local, subset: stable}
  canary: {subset: canary}
revision: "2.0"
scopes:
  baseline: {workload: checkout-v1}
  canary: {workload: CANARY}
steps:
  tick_interval: 10s
  min_step_duration: 60s
  max_step_duration: 1800s
  steps: [{weight: 10}, {weight: 50}, {weight: 100}]
analysis:
  metrics:
    - name: errors
      kind: METRIC_KIND_COUNT
      direction: DIRECTION_INCREASE
      critical: true
      tolerance: TOLERANCE
      source:
        provider: prometheus
        events_query: 'sum(increase(http_requests_total{workload="{{workload}}",code="500"}[{{window}}]))'
        total_query: 'sum(increase(http_requests_total{workload="{{workload}}"}[{{window}}]))'
    - name: latency
      kind: METRIC_KIND_CONTINUOUS
      direction: DIRECTION_INCREASE
      tolerance: 0.1
      source:
        provider: prometheus
        value_query: 'avg(request_latency_ms{workload="{{workload}}"})'
policy: {no_data_limit: NO_DATA_LIMIT}
)yaml";

v1::RolloutSpec Spec(const Workload& canary, double tolerance = 0.2, int no_data_limit = 6) {
  absl::StatusOr<v1::RolloutSpec> spec = spec::ParseRolloutDocument(
      absl::StrReplaceAll(kSpecTemplate, {{"CANARY", canary.name},
                                          {"TOLERANCE", absl::StrCat(tolerance)},
                                          {"NO_DATA_LIMIT", absl::StrCat(no_data_limit)}}));
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.value_or(v1::RolloutSpec());
}

class BacktestLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    now_ = absl::Now();
    // The history ends a few minutes ago.
    t0_ = absl::FromUnixSeconds(absl::ToUnixSeconds(now_ - kShort - absl::Minutes(10)) / 60 * 60);
    const Workload all[] = {kBaseline, kGood, kBad, kGappy};
    absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> server =
        lab::PrometheusServer::Start(OpenMetrics(t0_, kShort, all));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    prometheus_ =
        std::make_unique<metrics::PrometheusProvider>(server_->url(), http::EndpointConfig{});
  }

  BacktestOptions Options(absl::Time from, absl::Duration length) const {
    return {.from = from, .to = from + length, .now = now_};
  }
  std::map<std::string, metrics::MetricProvider*> Providers() const {
    return {{"prometheus", prometheus_.get()}};
  }
  // The backtest, and the same engine sending each tick's instant queries to
  // Prometheus as the daemon would have at the time.
  std::pair<v1::BacktestReport, v1::BacktestReport> BacktestAndLive(
      const v1::RolloutSpec& spec, const BacktestOptions& options) const {
    absl::StatusOr<v1::BacktestReport> backtest = RunBacktest(spec, Providers(), options);
    EXPECT_TRUE(backtest.ok()) << backtest.status();
    absl::StatusOr<v1::BacktestReport> live = RunOnVirtualClock(spec, Providers(), options);
    EXPECT_TRUE(live.ok()) << live.status();
    return {backtest.value_or(v1::BacktestReport()), live.value_or(v1::BacktestReport())};
  }

  static absl::Time now_;
  static absl::Time t0_;
  static lab::PrometheusServer* server_;
  std::unique_ptr<metrics::PrometheusProvider> prometheus_;
};

absl::Time BacktestLabTest::now_;
absl::Time BacktestLabTest::t0_;
lab::PrometheusServer* BacktestLabTest::server_ = nullptr;

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

TEST_F(BacktestLabTest, ACanaryWithFiveTimesTheErrorsIsRolledBackWhenTheLiveEngineWould) {
  const absl::Time from = t0_ + absl::Minutes(30);
  const auto [backtest, live] = BacktestAndLive(Spec(kBad), Options(from, absl::Hours(2)));
  EXPECT_EQ(backtest.outcome(), v1::BACKTEST_OUTCOME_ROLLED_BACK);
  EXPECT_EQ(backtest.phase(), v1::PHASE_ROLLED_BACK);
  EXPECT_THAT(backtest.metrics(), ::testing::ElementsAre("errors"));
  EXPECT_THAT(backtest.reason(), HasSubstr("regression"));
  // Within the first step: 50 errors against 10 in 1000 requests a tick.
  const absl::Time decided = TimeOf(backtest.outcome_time());
  EXPECT_GT(decided, from);
  EXPECT_LE(decided, from + absl::Minutes(1));
  ASSERT_FALSE(backtest.ticks().empty());
  EXPECT_EQ(TimeOf(backtest.ticks().rbegin()->time()), decided);
  const v1::Observation& seen = backtest.ticks(0).observations().at("errors");
  EXPECT_EQ(seen.baseline_events(), 10);
  EXPECT_EQ(seen.baseline_total(), 1000);
  EXPECT_EQ(seen.canary_events(), 50);
  EXPECT_EQ(seen.canary_total(), 1000);
  // Ticks 10 s apart from the preflight on.
  EXPECT_EQ(TimeOf(backtest.ticks(0).time()), from + absl::Seconds(10));
  EXPECT_EQ(backtest.note(), std::string(kBacktestNote));
  // 6 preflight queries, the latency's history, 6 ranges.
  EXPECT_EQ(backtest.queries_sent(), 6 + 1 + 6);

  EXPECT_EQ(live.outcome(), v1::BACKTEST_OUTCOME_ROLLED_BACK);
  EXPECT_EQ(TimeOf(live.outcome_time()), decided);
  ExpectSameRun(backtest, live);
}

TEST_F(BacktestLabTest, AnIdenticalCanaryIsPromotedWhenTheLiveEngineWould) {
  const absl::Time from = t0_ + absl::Minutes(30);
  const auto [backtest, live] = BacktestAndLive(Spec(kGood), Options(from, absl::Hours(2)));
  EXPECT_EQ(backtest.outcome(), v1::BACKTEST_OUTCOME_PROMOTED);
  EXPECT_EQ(backtest.phase(), v1::PHASE_SUCCEEDED);
  EXPECT_TRUE(backtest.metrics().empty());
  // Every step's weight was set, in order, before the promotion.
  std::vector<int> weights;
  for (const v1::RolloutEvent& event : backtest.events()) {
    if (event.type() == v1::EVENT_TYPE_WEIGHT_CHANGED) weights.push_back(event.canary_weight());
  }
  EXPECT_THAT(weights, ::testing::ElementsAre(10, 50, 100));
  // No tick held for lack of data.
  for (const v1::BacktestTick& tick : backtest.ticks()) {
    EXPECT_EQ(tick.observations().size(), 2u) << tick.message();
  }
  EXPECT_EQ(TimeOf(live.outcome_time()), TimeOf(backtest.outcome_time()));
  ExpectSameRun(backtest, live);
}

TEST_F(BacktestLabTest, ChunkedRangesGiveTheSameRunAsOneRangePerQuery) {
  const absl::Time from = t0_ + absl::Minutes(30);
  const v1::RolloutSpec spec = Spec(kGood);
  BacktestOptions whole = Options(from, absl::Hours(1));
  BacktestOptions chunked = whole;
  chunked.limits.max_points_per_query = 7;  // chunk edges fall everywhere
  const absl::StatusOr<v1::BacktestReport> one = RunBacktest(spec, Providers(), whole);
  const absl::StatusOr<v1::BacktestReport> many = RunBacktest(spec, Providers(), chunked);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ(one->queries_sent(), 6 + 1 + 6);
  EXPECT_EQ(many->queries_sent(), 6 + 1 + 6 * ((360 + 6) / 7));  // 360 tick ends in 7s
  ExpectSameRun(*one, *many);
}

// Across Prometheus' 11,000 points: a backtest longer than that splits each
// range there, and every tick around the split is what the instant queries
// give. A tolerance too tight to prove keeps the rollout running (paused at
// its last step) so that every tick is analysed; the errors alone keep the
// analysis of 11,100 ticks quick.
TEST_F(BacktestLabTest, ARangeBeyondElevenThousandPointsIsSplitWithoutChangingATick) {
  const absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(now_ - kLong - absl::Minutes(10)) / 60 * 60);
  const Workload identical[] = {kBaseline, kGood};
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> server =
      lab::PrometheusServer::Start(OpenMetrics(t0, kLong, identical));
  ASSERT_TRUE(server.ok()) << server.status();
  metrics::PrometheusProvider prometheus((*server)->url(), {});
  const std::map<std::string, metrics::MetricProvider*> providers = {{"prometheus", &prometheus}};
  const absl::Time from = t0 + absl::Minutes(30);
  const absl::Duration length = 11'100 * absl::Seconds(10);
  v1::RolloutSpec spec = Spec(kGood, /*tolerance=*/0.0001);
  spec.mutable_analysis()->mutable_metrics()->RemoveLast();
  BacktestOptions options = Options(from, length);
  const absl::StatusOr<v1::BacktestReport> split = RunBacktest(spec, providers, options);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->outcome(), v1::BACKTEST_OUTCOME_RUNNING);
  EXPECT_EQ(split->phase(), v1::PHASE_PAUSED);
  ASSERT_EQ(split->ticks_size(), 11'100);
  EXPECT_EQ(split->queries_sent(), 4 + 4 * 2);  // 11,000 + 100 tick ends

  options.limits.max_points_per_query = 4'000;
  const absl::StatusOr<v1::BacktestReport> smaller = RunBacktest(spec, providers, options);
  ASSERT_TRUE(smaller.ok()) << smaller.status();
  EXPECT_EQ(smaller->queries_sent(), 4 + 4 * 3);
  ExpectSameRun(*split, *smaller);

  // Around the split (tick ends 11,000 and 11,001 are in different queries).
  absl::StatusOr<spec::TickQueryPlan> plan = spec::TickQueryPlan::Make(spec);
  ASSERT_TRUE(plan.ok());
  for (int k = 10'996; k <= 11'005; ++k) {
    const v1::BacktestTick& tick = split->ticks(k - 1);
    const absl::Time tick_end = from + k * absl::Seconds(10);
    ASSERT_EQ(TimeOf(tick.time()), tick_end);
    const std::vector<spec::TickQuery> queries = plan->QueriesAt(tick_end);
    std::vector<metrics::Query> sent;
    sent.reserve(queries.size());
    for (const spec::TickQuery& query : queries) sent.push_back(query.query);
    const std::vector<spec::MetricTickResult> instant =
        plan->Assemble(queries, prometheus.Run(sent));
    ASSERT_TRUE(instant[0].observation.has_value());
    ASSERT_TRUE(tick.observations().contains("errors"));
    EXPECT_EQ(tick.observations().at("errors").SerializeAsString(),
              instant[0].observation->SerializeAsString())
        << "tick " << k;
  }
}

TEST_F(BacktestLabTest, AGapInTheHistoryIsNoDataHeldAndNeverPromoted) {
  // The canary's samples stop 2 minutes after the start, for 24 minutes.
  const absl::Time gap_from = t0_ + kGappy.gap_from * kScrape;
  const absl::Time gap_to = t0_ + kGappy.gap_to * kScrape;
  const absl::Time from = gap_from - absl::Minutes(2);
  // A policy that holds through the gap: no step advances, then the rollout
  // goes on and is promoted after it.
  const auto [held, live] =
      BacktestAndLive(Spec(kGappy, 0.2, /*no_data_limit=*/1000), Options(from, absl::Hours(2)));
  EXPECT_EQ(held.outcome(), v1::BACKTEST_OUTCOME_PROMOTED);
  EXPECT_GT(TimeOf(held.outcome_time()), gap_to);
  // increase() over a tick needs a sample at each end of it: from the gap's
  // first missing sample to its first sample back, no tick has data.
  int holding = 0;
  int weight_in_gap = -1;
  for (const v1::BacktestTick& tick : held.ticks()) {
    const absl::Time end = TimeOf(tick.time());
    const bool in_gap = end >= gap_from && end <= gap_to;
    EXPECT_EQ(tick.observations().contains("errors"), !in_gap) << absl::FormatTime(end);
    if (!in_gap) continue;
    ++holding;
    EXPECT_THAT(tick.message(), HasSubstr("no data for errors"));
    if (weight_in_gap < 0) weight_in_gap = tick.canary_weight();
    EXPECT_EQ(tick.canary_weight(), weight_in_gap);  // held: no step advanced
  }
  EXPECT_EQ(holding, 24 * 6 + 1);
  for (const v1::RolloutEvent& event : held.events()) {
    const absl::Time at = TimeOf(event.time());
    if (at > gap_from && at < gap_to) {
      EXPECT_NE(event.type(), v1::EVENT_TYPE_WEIGHT_CHANGED);
      EXPECT_NE(event.phase_after(), v1::PHASE_PROMOTING);
    }
  }
  ExpectSameRun(held, live);

  // The default policy: the seventh tick in a row without data (more than
  // the limit of 6) rolls the canary back.
  const absl::StatusOr<v1::BacktestReport> strict =
      RunBacktest(Spec(kGappy), Providers(), Options(from, absl::Hours(2)));
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_EQ(strict->outcome(), v1::BACKTEST_OUTCOME_ROLLED_BACK);
  EXPECT_THAT(strict->metrics(), Contains("errors"));
  EXPECT_THAT(strict->reason(), HasSubstr("no data: errors"));
  EXPECT_EQ(TimeOf(strict->outcome_time()), gap_from + absl::Seconds(10) * 6);
}

TEST_F(BacktestLabTest, TheBaselineWithoutDataAtTheStartFailsThePreflight) {
  // Before the data: the baseline returns nothing, as live the preflight
  // would have found.
  const absl::Time from = t0_ - absl::Hours(2);
  const absl::StatusOr<v1::BacktestReport> report =
      RunBacktest(Spec(kGood), Providers(), Options(from, absl::Hours(1)));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), v1::BACKTEST_OUTCOME_FAILED);
  EXPECT_THAT(report->reason(), HasSubstr("the baseline query returned no data"));
  EXPECT_TRUE(report->ticks().empty());
}

TEST_F(BacktestLabTest, APrometheusThatIsDownEndsTheBacktestNamingIt) {
  server_->Kill();
  const absl::StatusOr<v1::BacktestReport> report =
      RunBacktest(Spec(kGood), Providers(), Options(t0_ + absl::Minutes(30), absl::Hours(1)));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(report.status().message(), HasSubstr("provider \"prometheus\": "));
  ASSERT_TRUE(server_->Restart().ok());
}

TEST_F(BacktestLabTest, ABadRangeIsRefusedNamingTheFlag) {
  const absl::Time from = t0_ + absl::Minutes(30);
  const struct {
    BacktestOptions options;
    const char* message;
  } cases[] = {
      {Options(from, absl::ZeroDuration()), "--to: must be later than --from"},
      {Options(from, -absl::Minutes(1)), "--to: must be later than --from"},
      {Options(now_, absl::Minutes(1)), "is in the future"},
      {Options(now_ - absl::Hours(201), absl::Hours(200)), "more than the 50000 a backtest runs"},
  };
  for (const auto& c : cases) {
    const absl::StatusOr<v1::BacktestReport> report =
        RunBacktest(Spec(kGood), Providers(), c.options);
    EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(report.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace kanarya::backtest
