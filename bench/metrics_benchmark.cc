// The metric providers' speed: parsing a large query_range response next to
// simdjson's own parse of the same bytes (the floor), and queries per second
// with N in flight against a real Prometheus on loopback.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/metrics/prometheus_provider.h"
#include "daemon/metrics/prometheus_response.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::bench {
namespace {

// 100 series of 11,000 points (the per-series maximum): about 30 MB.
const std::string& LargeResponse() {
  static const std::string* body = [] {
    auto* text = new std::string(R"({"status":"success","data":{"resultType":"matrix","result":[)");
    for (int s = 0; s < 100; ++s) {
      absl::StrAppend(text, s ? "," : "",
                      R"({"metric":{"__name__":"http_requests_total","pod":"seg-)", s,
                      R"(","version":"canary"},"values":[)");
      for (int k = 0; k < 11000; ++k) {
        absl::StrAppend(text, k ? "," : "", "[", 1700000000 + 15 * k, ".", k % 1000, ",\"",
                        k * 0.37 + s, "\"]");
      }
      *text += "]}";
    }
    *text += "]}}";
    return text;
  }();
  return *body;
}

void BM_ParsePrometheusResponse(benchmark::State& state) {
  const std::string& body = LargeResponse();
  for (auto _ : state) {
    auto result = metrics::ParsePrometheusResponse(body, 200);
    if (!result.ok() || result->series.size() != 100) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

// The floor: simdjson's DOM parse of the same bytes, without producing series.
void BM_SimdjsonParseFloor(benchmark::State& state) {
  const std::string& body = LargeResponse();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    const simdjson::padded_string padded(body);  // the provider copies too
    simdjson::dom::element document;
    if (parser.parse(padded).get(document)) state.SkipWithError("simdjson failed");
    benchmark::DoNotOptimize(document);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

// A real Prometheus with 50 series of one hour at 15 s, started once.
lab::PrometheusServer& Server() {
  static lab::PrometheusServer* server = [] {
    std::string data = "# TYPE requests counter\n";
    const int64_t t0 = absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60;
    for (int s = 0; s < 50; ++s) {
      for (int64_t k = 0; k < 240; ++k) {
        absl::StrAppend(&data, "requests_total{pod=\"p", s, "\"} ", k * 10, " ", t0 + 15 * k, "\n");
      }
    }
    data += "# EOF\n";
    return lab::PrometheusServer::Start(data)->release();
  }();
  return *server;
}

void BM_PrometheusQueriesInFlight(benchmark::State& state) {
  metrics::PrometheusProvider provider(Server().url(), {});
  const absl::Time now = absl::Now();
  std::vector<metrics::Query> queries(static_cast<size_t>(state.range(0)),
                                      metrics::Query{.expression = "sum(rate(requests_total[5m]))",
                                                     .start = now - absl::Hours(3),
                                                     .end = now - absl::Hours(2),
                                                     .step = absl::Seconds(15)});
  for (auto _ : state) {
    for (const auto& result : provider.Run(queries)) {
      if (!result.ok()) state.SkipWithError("query failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_ParsePrometheusResponse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SimdjsonParseFloor)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PrometheusQueriesInFlight)->Arg(1)->Arg(4)->Arg(16)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace kanarya::bench

BENCHMARK_MAIN();
