// The example spec's queries rendered for both scopes against a real
// Prometheus holding known data and the Loki emulator: each side gets its
// own workload's answer, assembled into the observation the analysis sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/metrics/loki_provider.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/spec/rollout_document.h"
#include "daemon/spec/rollout_validation.h"
#include "daemon/spec/tick_queries.h"
#include "tests/lab/loki_emulator.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::spec {
namespace {

using ::testing::ElementsAre;

constexpr int kSamples = 41;  // 15 s apart: ten minutes

// Per 15 s scrape, for each workload of the example: requests answered 200
// and 500, and request durations (all of the baseline's at most 50 ms, all of
// the canary's in (50, 100] ms).
struct Workload {
  const char* name;
  int ok_per_scrape;
  int errors_per_scrape;
  const char* bucket_with_the_durations;
};
constexpr Workload kBaseline{"api-gateway-v41", 100, 1, "50"};
constexpr Workload kCanary{"api-gateway-v42", 20, 3, "100"};

std::string OpenMetrics(absl::Time t0) {
  std::string text = "# TYPE istio_requests counter\n";
  // Another namespace's workload of the same name must never be counted.
  const std::pair<const char*, Workload> series[] = {
      {"api-gateway", kBaseline}, {"api-gateway", kCanary}, {"other", kCanary}};
  for (const auto& [ns, workload] : series) {
    for (const auto& [code, per_scrape] :
         {std::pair{"200", workload.ok_per_scrape}, std::pair{"503", workload.errors_per_scrape}}) {
      const int scale = std::string(ns) == "other" ? 1000 : 1;
      for (int k = 0; k < kSamples; ++k) {
        absl::StrAppend(&text, "istio_requests_total{reporter=\"destination\",",
                        "destination_workload_namespace=\"", ns, "\",destination_workload=\"",
                        workload.name, "\",response_code=\"", code, "\"} ", scale * per_scrape * k,
                        " ", absl::ToUnixSeconds(t0 + absl::Seconds(15 * k)), "\n");
      }
    }
  }
  text += "# TYPE istio_request_duration_milliseconds histogram\n";
  for (const Workload& workload : {kBaseline, kCanary}) {
    const int per_scrape = workload.ok_per_scrape + workload.errors_per_scrape;
    for (const char* le : {"50", "100", "+Inf"}) {
      const bool counted =
          std::string(le) != "50" || std::string(workload.bucket_with_the_durations) == "50";
      for (int k = 0; k < kSamples; ++k) {
        absl::StrAppend(&text,
                        "istio_request_duration_milliseconds_bucket{reporter=\"destination\",",
                        "destination_workload_namespace=\"api-gateway\",destination_workload=\"",
                        workload.name, "\",le=\"", le, "\"} ", counted ? per_scrape * k : 0, " ",
                        absl::ToUnixSeconds(t0 + absl::Seconds(15 * k)), "\n");
      }
    }
  }
  return text + "# EOF\n";
}

absl::StatusOr<v1::RolloutSpec> ExampleSpec() {
  return ReadRolloutDocument(absl::StrCat(KANARYA_SOURCE_DIR, "/examples/rollout.yaml"));
}

// The example's queries of one provider, run, and the tick assembled.
std::vector<MetricTickResult> RunTick(
    const TickQueryPlan& plan, absl::Time tick_end,
    const std::map<std::string, metrics::MetricProvider*>& providers) {
  const std::vector<TickQuery> all = plan.QueriesAt(tick_end);
  std::vector<TickQuery> sent;
  std::vector<absl::StatusOr<metrics::QueryResult>> answers;
  for (const auto& [name, provider] : providers) {
    std::vector<metrics::Query> batch;
    for (const TickQuery& query : all) {
      if (query.provider != name) continue;
      sent.push_back(query);
      batch.push_back(query.query);
    }
    for (auto& answer : provider->Run(batch)) answers.push_back(std::move(answer));
  }
  return plan.Assemble(sent, answers);
}

TEST(TickQueriesLabTest, TheExampleQueriesGiveEachScopeItsOwnDataFromPrometheus) {
  const absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> server =
      lab::PrometheusServer::Start(OpenMetrics(t0));
  ASSERT_TRUE(server.ok()) << server.status();
  metrics::PrometheusProvider prometheus((*server)->url(), {});

  absl::StatusOr<v1::RolloutSpec> spec = ExampleSpec();
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_TRUE(ValidateRolloutSpec(*spec, {"prometheus", "loki"}).ok());
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(*spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->tick_interval(), absl::Seconds(30));

  // Prometheus 2 selects [t - 30s, t]: three samples, two scrapes' increase.
  const std::vector<MetricTickResult> results =
      RunTick(*plan, t0 + absl::Seconds(15 * 20), {{"prometheus", &prometheus}});
  ASSERT_EQ(results.size(), 3u);
  const MetricTickResult& errors = results[0];
  ASSERT_TRUE(errors.error.ok()) << errors.error;
  ASSERT_TRUE(errors.observation.has_value());
  EXPECT_EQ(errors.observation->baseline_events(), 2 * kBaseline.errors_per_scrape);
  EXPECT_EQ(errors.observation->baseline_total(),
            2 * (kBaseline.ok_per_scrape + kBaseline.errors_per_scrape));
  EXPECT_EQ(errors.observation->canary_events(), 2 * kCanary.errors_per_scrape);
  EXPECT_EQ(errors.observation->canary_total(),
            2 * (kCanary.ok_per_scrape + kCanary.errors_per_scrape));
  EXPECT_DOUBLE_EQ(*errors.canary_value, 6.0 / 46);

  // The p95 within each side's bucket, interpolated linearly by Prometheus.
  const MetricTickResult& latency = results[1];
  ASSERT_TRUE(latency.error.ok()) << latency.error;
  ASSERT_TRUE(latency.observation.has_value());
  EXPECT_THAT(latency.observation->baseline(), ElementsAre(::testing::DoubleNear(47.5, 1e-9)));
  EXPECT_THAT(latency.observation->canary(), ElementsAre(::testing::DoubleNear(97.5, 1e-9)));

  // The Loki metric's queries were not sent: no data, no error.
  EXPECT_TRUE(results[2].error.ok());
  EXPECT_FALSE(results[2].observation.has_value());
}

TEST(TickQueriesLabTest, TheExampleLogQueryCountsEachScopesLines) {
  lab::LokiEmulator loki;
  const absl::Time tick_end = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) / 60 * 60);
  // In the 30 s window: the baseline 10 lines, one an error; the canary 4
  // lines, 3 errors. Before the window: errors that must not count.
  for (int i = 0; i < 10; ++i) {
    loki.Push("fake", {{"namespace", "api-gateway"}, {"app", "api-gateway-v41"}},
              tick_end - absl::Seconds(25 - i), i == 0 ? "GET / 500 error" : "GET / 200");
  }
  for (int i = 0; i < 4; ++i) {
    loki.Push("fake", {{"namespace", "api-gateway"}, {"app", "api-gateway-v42"}},
              tick_end - absl::Seconds(20 - i), i < 3 ? "upstream error" : "GET / 200");
  }
  loki.Push("fake", {{"namespace", "api-gateway"}, {"app", "api-gateway-v42"}},
            tick_end - absl::Seconds(45), "old error");
  metrics::LokiProvider provider(loki.url(), "", {});

  absl::StatusOr<v1::RolloutSpec> spec = ExampleSpec();
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(*spec);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<MetricTickResult> results = RunTick(*plan, tick_end, {{"loki", &provider}});
  const MetricTickResult& logs = results[2];
  ASSERT_TRUE(logs.error.ok()) << logs.error;
  ASSERT_TRUE(logs.observation.has_value());
  EXPECT_EQ(logs.observation->baseline_events(), 1);
  EXPECT_EQ(logs.observation->baseline_total(), 10);
  EXPECT_EQ(logs.observation->canary_events(), 3);
  EXPECT_EQ(logs.observation->canary_total(), 4);
}

// The baseline's request durations, 100 a scrape, a varying share of them
// within 50 ms (the rest within 100 ms), so its p95 differs from tick to tick.
std::string VaryingLatency(absl::Time t0) {
  std::string text = "# TYPE istio_request_duration_milliseconds histogram\n";
  for (const char* le : {"50", "100", "+Inf"}) {
    int64_t count = 0;
    for (int k = 0; k < kSamples; ++k) {
      if (k > 0) count += std::string(le) == "50" ? 80 + (7 * k) % 15 : 100;
      absl::StrAppend(&text, "istio_request_duration_milliseconds_bucket{reporter=\"destination\",",
                      "destination_workload_namespace=\"api-gateway\",destination_workload=\"",
                      kBaseline.name, "\",le=\"", le, "\"} ", count, " ",
                      absl::ToUnixSeconds(t0 + absl::Seconds(15 * k)), "\n");
    }
  }
  return text + "# EOF\n";
}

TEST(TickQueriesLabTest, TheHistoryHoldsWhatEachTicksInstantQueryGives) {
  const absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> server =
      lab::PrometheusServer::Start(VaryingLatency(t0));
  ASSERT_TRUE(server.ok()) << server.status();
  metrics::PrometheusProvider prometheus((*server)->url(), {});
  absl::StatusOr<v1::RolloutSpec> spec = ExampleSpec();
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(*spec);
  ASSERT_TRUE(plan.ok()) << plan.status();

  // Ten minutes of 30 s ticks; the first tick end has no rate yet, the last
  // ones run past the data (Prometheus looks back 5 minutes for a sample,
  // but a rate needs two in its window), so both ends are covered.
  const absl::Time first = t0;
  const absl::Time last = t0 + absl::Seconds(30 * 24);
  const std::vector<TickQuery> queries = plan->BaselineHistoryQueries(first, last);
  ASSERT_EQ(queries.size(), 1u);  // the example's only continuous metric
  const std::vector<metrics::Query> sent = {queries[0].query};
  const BaselineHistory history = plan->AssembleHistory(queries, prometheus.Run(sent));
  ASSERT_TRUE(history.error.ok()) << history.error;

  std::map<int64_t, double> from_history;
  for (const v1::Tick& tick : history.ticks) {
    ASSERT_EQ(tick.metrics().size(), 1u);
    const v1::Observation& latency = tick.metrics().at("latency_p95_ms");
    ASSERT_EQ(latency.baseline_size(), 1);
    EXPECT_TRUE(latency.canary().empty());
    from_history[tick.time().seconds()] = latency.baseline(0);
  }
  std::map<int64_t, double> from_instants;
  std::set<double> distinct;
  for (absl::Time tick_end = first; tick_end <= last; tick_end += absl::Seconds(30)) {
    const std::vector<TickQuery> all = plan->QueriesAt(tick_end);
    std::vector<TickQuery> latency;
    std::vector<metrics::Query> batch;
    for (const TickQuery& query : all) {
      if (query.metric_index != 1 || query.side != Side::kBaseline) continue;
      latency.push_back(query);
      batch.push_back(query.query);
    }
    std::vector<absl::StatusOr<metrics::QueryResult>> answers = prometheus.Run(batch);
    ASSERT_TRUE(answers[0].ok()) << answers[0].status();
    for (const metrics::Series& series : answers[0]->series) {
      for (const metrics::Sample& sample : series.samples) {
        if (std::isnan(sample.value)) continue;
        from_instants[absl::ToUnixSeconds(tick_end)] = sample.value;
        distinct.insert(sample.value);
      }
    }
  }
  // Every 30 s tick end from the second scrape to the data's end has a p95.
  EXPECT_GE(from_instants.size(), 19u);
  EXPECT_GE(distinct.size(), 5u);  // the values vary: a shifted tick would differ
  EXPECT_EQ(from_history, from_instants);
}

// What a backtest relies on: every metric's range queries over a span of
// tick ends, cut at each tick end and assembled, give the very results that
// tick's instant queries give, the edges of the data included.
TEST(TickQueriesLabTest, RangeAnswersCutAtEachTickAssembleAsTheInstantAnswers) {
  const absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> server =
      lab::PrometheusServer::Start(OpenMetrics(t0));
  ASSERT_TRUE(server.ok()) << server.status();
  metrics::PrometheusProvider prometheus((*server)->url(), {});
  absl::StatusOr<v1::RolloutSpec> spec = ExampleSpec();
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<TickQueryPlan> plan = TickQueryPlan::Make(*spec);
  ASSERT_TRUE(plan.ok()) << plan.status();

  // From before the data to past its end, so no data and the first and last
  // scrapes are among the ticks.
  const absl::Time first = t0 - absl::Seconds(60);
  const absl::Time last = t0 + absl::Seconds(30 * 24);
  std::vector<TickQuery> ranges;
  std::vector<metrics::Query> sent;
  for (const TickQuery& query : plan->RangeQueries(first, last)) {
    if (query.provider != "prometheus") continue;
    ranges.push_back(query);
    sent.push_back(query.query);
  }
  ASSERT_EQ(ranges.size(), 6u);
  const std::vector<absl::StatusOr<metrics::QueryResult>> answers = prometheus.Run(sent);
  int with_data = 0;
  for (absl::Time tick_end = first; tick_end <= last; tick_end += plan->tick_interval()) {
    std::vector<absl::StatusOr<metrics::QueryResult>> cut;
    for (const absl::StatusOr<metrics::QueryResult>& answer : answers) {
      ASSERT_TRUE(answer.ok()) << answer.status();
      cut.push_back(AnswerAt(*answer, tick_end));
    }
    const std::vector<MetricTickResult> from_range = plan->Assemble(ranges, cut);
    const std::vector<MetricTickResult> from_instants =
        RunTick(*plan, tick_end, {{"prometheus", &prometheus}});
    ASSERT_EQ(from_range.size(), from_instants.size());
    for (size_t m = 0; m < from_range.size(); ++m) {
      SCOPED_TRACE(absl::StrCat("metric ", m, " at ", absl::FormatTime(tick_end)));
      EXPECT_EQ(from_range[m].error, from_instants[m].error);
      ASSERT_EQ(from_range[m].observation.has_value(), from_instants[m].observation.has_value());
      if (from_range[m].observation.has_value()) {
        ++with_data;
        EXPECT_EQ(from_range[m].observation->SerializeAsString(),
                  from_instants[m].observation->SerializeAsString());
      }
      EXPECT_EQ(from_range[m].canary_value, from_instants[m].canary_value);
    }
  }
  // Both metrics have data from the second scrape to the data's end.
  EXPECT_GE(with_data, 2 * 19);
}

}  // namespace
}  // namespace kanarya::spec
