// A backtest of H hours (default 24) at 10 s ticks against a real Prometheus
// holding that history (a baseline and an identical canary: errors and a
// latency), read with range queries, next to the same engine run sending each
// tick's instant queries. The spec's tolerance is too tight to prove, so the
// rollout runs (paused at its last step) to the end and every tick is
// analysed. Prints the wall time of reading and of running, and the queries
// sent; figures in bench/README.md.
//
//   backtest_benchmark [HOURS]
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "daemon/backtest/backtest.h"
#include "daemon/backtest/history_reader.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/spec/rollout_document.h"
#include "daemon/spec/tick_queries.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::bench {
namespace {

constexpr absl::Duration kTick = absl::Seconds(10);

std::string History(absl::Time t0, int64_t scrapes) {
  std::string text = "# TYPE http_requests counter\n";
  for (const char* workload : {"checkout-v1", "checkout-v2"}) {
    for (const auto& [code, per_scrape] : {std::pair{"200", 990}, std::pair{"500", 10}}) {
      for (int64_t k = 0; k <= scrapes; ++k) {
        absl::StrAppend(&text, "http_requests_total{workload=\"", workload, "\",code=\"", code,
                        "\"} ", per_scrape * k, " ", absl::ToUnixSeconds(t0 + k * kTick), "\n");
      }
    }
  }
  text += "# TYPE request_latency_ms gauge\n";
  for (const char* workload : {"checkout-v1", "checkout-v2"}) {
    for (int64_t k = 0; k <= scrapes; ++k) {
      absl::StrAppend(&text, "request_latency_ms{workload=\"", workload, "\"} ", 50 + (k * 7) % 11,
                      " ", absl::ToUnixSeconds(t0 + k * kTick), "\n");
    }
  }
  return text + "# EOF\n";
}

constexpr char kSpec[] = R"yaml(
target:
  namespace: shop
  virtual_service: checkout
  destination_rule: checkout
  stable: {host: checkout.shop.svc.cluster.local, subset: stable}
  canary: {subset: canary}
revision: "2.0"
scopes:
  baseline: {workload: checkout-v1}
  canary: {workload: checkout-v2}
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
      tolerance: 0.0001
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
)yaml";

int Run(int hours) {
  const absl::Time now = absl::Now();
  const absl::Duration length = absl::Hours(hours);
  // The history: the backtest's range, the 120 ticks before it, a margin.
  const absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(now - length - absl::Minutes(40)) / 60 * 60);
  const int64_t scrapes = (length + absl::Minutes(35)) / kTick;
  absl::StatusOr<std::unique_ptr<lab::PrometheusServer>> server =
      lab::PrometheusServer::Start(History(t0, scrapes));
  if (!server.ok()) {
    std::fprintf(stderr, "prometheus: %s\n", server.status().ToString().c_str());
    return 1;
  }
  metrics::PrometheusProvider prometheus((*server)->url(), {});
  const std::map<std::string, metrics::MetricProvider*> providers = {{"prometheus", &prometheus}};
  absl::StatusOr<v1::RolloutSpec> spec = spec::ParseRolloutDocument(kSpec);
  if (!spec.ok()) return 1;
  const backtest::BacktestOptions options{
      .from = t0 + absl::Minutes(30), .to = t0 + absl::Minutes(30) + length, .now = now};

  const absl::Time start = absl::Now();
  absl::StatusOr<v1::BacktestReport> report = backtest::RunBacktest(*spec, providers, options);
  const absl::Duration total = absl::Now() - start;
  if (!report.ok()) {
    std::fprintf(stderr, "backtest: %s\n", report.status().ToString().c_str());
    return 1;
  }
  // The read alone, as the backtest does it.
  absl::StatusOr<spec::TickQueryPlan> plan = spec::TickQueryPlan::Make(*spec);
  const absl::Time read_start = absl::Now();
  absl::StatusOr<backtest::HistoryRecording> recording =
      backtest::ReadHistory(*plan,
                            {.preflight = options.from,
                             .history_ticks = 120,
                             .first_tick_end = options.from + kTick,
                             .last_tick_end = options.from + (length / kTick) * kTick},
                            providers, {});
  const absl::Duration read = absl::Now() - read_start;
  if (!recording.ok()) return 1;

  const absl::Time live_start = absl::Now();
  absl::StatusOr<v1::BacktestReport> live = backtest::RunOnVirtualClock(*spec, providers, options);
  const absl::Duration live_time = absl::Now() - live_start;
  if (!live.ok()) return 1;

  std::printf("backtest of %d h at 10 s ticks: %d ticks analysed, outcome %s\n", hours,
              report->ticks_size(), v1::BacktestOutcome_Name(report->outcome()).c_str());
  std::printf("  range queries: %d sent, read in %s; whole backtest %s\n", report->queries_sent(),
              absl::FormatDuration(absl::Trunc(read, absl::Milliseconds(1))).c_str(),
              absl::FormatDuration(absl::Trunc(total, absl::Milliseconds(1))).c_str());
  std::printf("  the engine sending each tick's instant queries: %d sent, %s\n",
              6 + 1 + 6 * live->ticks_size(),
              absl::FormatDuration(absl::Trunc(live_time, absl::Milliseconds(1))).c_str());
  return 0;
}

}  // namespace
}  // namespace kanarya::bench

int main(int argc, char** argv) {
  const int hours = argc > 1 ? std::atoi(argv[1]) : 24;
  if (hours < 1 || hours > 120) {
    std::fprintf(stderr, "usage: backtest_benchmark [HOURS 1..120]\n");
    return 2;
  }
  return kanarya::bench::Run(hours);
}
