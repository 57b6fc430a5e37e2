// PrometheusProvider against a real Prometheus holding known data, and against
// scripted faults between the two.
#include "daemon/metrics/prometheus_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/lab/prometheus_server.h"
#include "tests/lab/scripted_http_server.h"

namespace kanarya::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// Known data: 121 samples 15 s apart from t0. Request counters per version
// and code with a known error fraction, and a gauge with one NaN.
struct KnownData {
  absl::Time t0 =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(3)) / 60 * 60);
  static constexpr int kSamples = 121;
  absl::Time At(int k) const { return t0 + absl::Seconds(15 * k); }

  std::string OpenMetrics() const {
    std::string text = "# TYPE http_requests counter\n";
    const std::pair<const char*, int> series[] = {{"version=\"baseline\",code=\"200\"", 100},
                                                  {"version=\"baseline\",code=\"500\"", 1},
                                                  {"version=\"canary\",code=\"200\"", 10},
                                                  {"version=\"canary\",code=\"500\"", 1}};
    for (const auto& [labels, per_sample] : series) {
      for (int k = 0; k < kSamples; ++k) {
        absl::StrAppend(&text, "http_requests_total{", labels, "} ", per_sample * k, " ",
                        absl::ToUnixSeconds(At(k)), "\n");
      }
    }
    // A latency histogram whose every 15 s adds 10 observations at or under
    // 0.1 s, 30 in (0.1, 0.2] and 10 in (0.2, 0.4]: its median is 0.15.
    text += "# TYPE latency_seconds histogram\n";
    for (const auto& [le, per_sample] : {std::pair{"0.1", 10}, std::pair{"0.2", 40},
                                         std::pair{"0.4", 50}, std::pair{"+Inf", 50}}) {
      for (int k = 0; k < kSamples; ++k) {
        absl::StrAppend(&text, "latency_seconds_bucket{le=\"", le, "\"} ", per_sample * k, " ",
                        absl::ToUnixSeconds(At(k)), "\n");
      }
    }
    // A gauge with a 15-minute gap, longer than Prometheus' 5-minute lookback.
    text += "# TYPE gappy gauge\n";
    for (int k = 0; k < kSamples; ++k) {
      if (k > 20 && k < 80) continue;
      absl::StrAppend(&text, "gappy ", k, " ", absl::ToUnixSeconds(At(k)), "\n");
    }
    text += "# TYPE queue_depth gauge\n";
    for (int k = 0; k < kSamples; ++k) {
      absl::StrAppend(&text, "queue_depth{version=\"canary\"} ", k == 10 ? "NaN" : absl::StrCat(k),
                      " ", absl::ToUnixSeconds(At(k)), "\n");
    }
    return text + "# EOF\n";
  }
};

class PrometheusProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new KnownData();
    auto server = lab::PrometheusServer::Start(data_->OpenMetrics());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_;
  }

  PrometheusProvider Provider() { return PrometheusProvider(server_->url(), {}); }

  static Query Instant(const std::string& expression, absl::Time at) {
    return {.expression = expression, .start = at, .end = at};
  }

  static KnownData* data_;
  static lab::PrometheusServer* server_;
};

KnownData* PrometheusProviderTest::data_ = nullptr;
lab::PrometheusServer* PrometheusProviderTest::server_ = nullptr;

TEST_F(PrometheusProviderTest, RangeQueryReturnsTheExactSamplesWritten) {
  PrometheusProvider provider = Provider();
  const auto result =
      provider.Run(Query{.expression = R"(http_requests_total{version="canary",code="500"})",
                         .start = data_->At(4),
                         .end = data_->At(24),
                         .step = absl::Seconds(15)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->type, ResultType::kMatrix);
  ASSERT_EQ(result->series.size(), 1u);
  EXPECT_THAT(result->series[0].labels,
              ElementsAre(Pair("__name__", "http_requests_total"), Pair("code", "500"),
                          Pair("version", "canary")));
  ASSERT_EQ(result->series[0].samples.size(), 21u);
  for (int i = 0; i < 21; ++i) {
    EXPECT_EQ(result->series[0].samples[i].time, data_->At(4 + i));
    EXPECT_EQ(result->series[0].samples[i].value, 4.0 + i);
  }
}

TEST_F(PrometheusProviderTest, InstantVectorScalarNaNAndEmptyResults) {
  PrometheusProvider provider = Provider();
  const absl::Time at = data_->At(11);
  const Query queries[] = {
      Instant("sum by (version) (http_requests_total)", at),
      Instant(R"(scalar(sum(http_requests_total{code="500"})))", at),
      Instant("queue_depth", data_->At(10)), Instant("no_such_metric", at),
      // Error fraction of the canary over the last minute: 4 errors of 44.
      Instant(R"(sum(increase(http_requests_total{version="canary",code="500"}[1m] offset 1s))
                 / sum(increase(http_requests_total{version="canary"}[1m] offset 1s)))",
              at)};
  const auto results = provider.Run(queries);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[0]->type, ResultType::kVector);
  ASSERT_EQ(results[0]->series.size(), 2u);
  for (const Series& s : results[0]->series) {
    const double expected = s.labels[0].second == "baseline" ? 101 * 11 : 11 * 11;
    EXPECT_EQ(s.samples[0].value, expected) << s.labels[0].second;
  }
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[1]->type, ResultType::kScalar);
  EXPECT_EQ(results[1]->series[0].samples[0].value, 22.0);
  ASSERT_TRUE(results[2].ok()) << results[2].status();
  EXPECT_TRUE(std::isnan(results[2]->series[0].samples[0].value));
  ASSERT_TRUE(results[3].ok()) << results[3].status();
  EXPECT_TRUE(results[3]->series.empty());
  ASSERT_TRUE(results[4].ok()) << results[4].status();
  EXPECT_NEAR(results[4]->series[0].samples[0].value, 1.0 / 11, 1e-12);
}

TEST_F(PrometheusProviderTest, HistogramQuantileIsExact) {
  PrometheusProvider provider = Provider();
  const auto result = provider.Run(
      Instant("histogram_quantile(0.5, rate(latency_seconds_bucket[1m]))", data_->At(60)));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->series.size(), 1u);
  EXPECT_NEAR(result->series[0].samples[0].value, 0.15, 1e-12);
}

TEST_F(PrometheusProviderTest, GapsStayGapsAndAreNeverFilledIn) {
  PrometheusProvider provider = Provider();
  const auto result = provider.Run(Query{.expression = "gappy",
                                         .start = data_->At(0),
                                         .end = data_->At(120),
                                         .step = absl::Seconds(15)});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->series.size(), 1u);
  // Samples 0..20 are seen for 5 more minutes (20 steps), then nothing until 80.
  const auto& samples = result->series[0].samples;
  ASSERT_EQ(samples.size(), 41u + 41u);
  EXPECT_EQ(samples[40].time, data_->At(40));
  EXPECT_EQ(samples[40].value, 20.0);  // the last value, carried by the lookback
  EXPECT_EQ(samples[41].time, data_->At(80));
}

TEST_F(PrometheusProviderTest, SlowProxyInFrontOfPrometheus) {
  lab::ScriptedHttpServer slow([](const lab::ScriptedRequest&) {
    return lab::ScriptedAnswer{.delay_ms = 1500, .forward_to = server_->url()};
  });
  PrometheusProvider through_slow(slow.url(), {});
  Query query = Instant("queue_depth", data_->At(7));
  query.timeout = absl::Seconds(1);
  EXPECT_EQ(through_slow.Run(query).status().code(), absl::StatusCode::kDeadlineExceeded);
  query.timeout = absl::Seconds(5);
  const auto result = through_slow.Run(query);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->series[0].samples[0].value, 7.0);
}

TEST_F(PrometheusProviderTest, PrometheusStoppedMidQueryIsUnavailable) {
  // The proxy holds the query while Prometheus dies, then finds it gone.
  lab::ScriptedHttpServer proxy([](const lab::ScriptedRequest&) {
    return lab::ScriptedAnswer{.delay_ms = 500, .forward_to = server_->url()};
  });
  PrometheusProvider provider(proxy.url(), {});
  std::thread killer([] {
    absl::SleepFor(absl::Milliseconds(200));
    server_->Kill();
  });
  const auto result = provider.Run(Instant("queue_depth", data_->At(3)));
  killer.join();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
  ASSERT_TRUE(server_->Restart().ok());
}

TEST_F(PrometheusProviderTest, ManyQueriesInFlightAllAnswer) {
  PrometheusProvider provider = Provider();
  std::vector<Query> queries;
  queries.reserve(40);
  for (int k = 0; k < 40; ++k) {
    queries.push_back(
        Instant(R"(http_requests_total{version="baseline",code="200"})", data_->At(k)));
  }
  const auto results = provider.Run(queries);
  for (int k = 0; k < 40; ++k) {
    ASSERT_TRUE(results[k].ok()) << results[k].status();
    EXPECT_EQ(results[k]->series[0].samples[0].value, 100.0 * k);
  }
}

TEST_F(PrometheusProviderTest, RejectedQueryIsInvalidArgument) {
  PrometheusProvider provider = Provider();
  const auto result = provider.Run(Instant("sum(", data_->At(1)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
}

TEST_F(PrometheusProviderTest, StepIsWidenedToStayWithinElevenThousandPoints) {
  Query q{.expression = "queue_depth",
          .start = data_->At(0) - absl::Hours(72),
          .end = data_->At(120),
          .step = absl::Seconds(1)};
  // 261,000 s over 10,999 intervals: 23.73 s, so 11,000 points at most.
  EXPECT_EQ(PrometheusProvider::EffectiveStep(q), absl::Milliseconds(23730));
  PrometheusProvider provider = Provider();
  const auto result = provider.Run(q);
  ASSERT_TRUE(result.ok()) << result.status();  // Prometheus rejects > 11,000 points
  EXPECT_FALSE(result->series.empty());
}

TEST_F(PrometheusProviderTest, StoppedAndRestartedServer) {
  PrometheusProvider provider = Provider();
  EXPECT_TRUE(provider.Health().ok());
  server_->Kill();
  EXPECT_EQ(provider.Health().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(provider.Run(Instant("queue_depth", data_->At(3))).status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  const auto result = provider.Run(Instant("queue_depth", data_->At(3)));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->series[0].samples[0].value, 3.0);
}

// Faults between the provider and Prometheus, from a scripted server.
http::EndpointConfig FastRetries() {
  http::EndpointConfig config;
  config.initial_backoff = absl::Milliseconds(10);
  return config;
}

constexpr char kGoodBody[] =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"7"]}]}})";

TEST(PrometheusProviderFaults, OverloadedServerIsRetriedThenUnavailable) {
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest&) {
    return lab::ScriptedAnswer{.status = 503, .body = "busy"};
  });
  PrometheusProvider provider(server.url(), FastRetries());
  const auto result = provider.Run(Query{.expression = "up", .timeout = absl::Seconds(5)});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(server.requests(), 3);  // bounded attempts
}

TEST(PrometheusProviderFaults, QueriesArePostedFormEncoded) {
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest& r) {
    const bool as_expected = r.method == "POST" && r.path == "/api/v1/query_range" &&
                             r.body.find("query=sum%28rate%28x%7Ba%3D%22b%20c%22%7D") == 0 &&
                             r.body.find("&step=60.000") != std::string::npos;
    return as_expected ? lab::ScriptedAnswer{.body = kGoodBody}
                       : lab::ScriptedAnswer{.status = 418, .body = r.body};
  });
  PrometheusProvider provider(server.url(), FastRetries());
  const auto result = provider.Run(Query{.expression = R"(sum(rate(x{a="b c"}[1m])))",
                                         .start = absl::FromUnixSeconds(1700000000),
                                         .end = absl::FromUnixSeconds(1700003600)});
  EXPECT_TRUE(result.ok()) << result.status();
}

TEST(PrometheusProviderFaults, OnlyRangeQueriesOfferToTakeTheAnswerCompressed) {
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest& r) {
    const auto encoding = r.headers.find("Accept-Encoding");
    const bool offered =
        encoding != r.headers.end() && encoding->second.find("gzip") != std::string::npos;
    const bool range = r.path == "/api/v1/query_range";
    return offered == range ? lab::ScriptedAnswer{.body = kGoodBody}
                            : lab::ScriptedAnswer{.status = 418, .body = r.path};
  });
  PrometheusProvider provider(server.url(), FastRetries());
  const absl::Time end = absl::FromUnixSeconds(1700003600);
  EXPECT_TRUE(
      provider.Run(Query{.expression = "up", .start = end - absl::Hours(1), .end = end}).ok());
  EXPECT_TRUE(provider.Run(Query{.expression = "up", .start = end, .end = end}).ok());
}

TEST(PrometheusProviderFaults, TransientFailureRecovers) {
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest& r) {
    return r.number == 0 ? lab::ScriptedAnswer{.status = 502, .body = "gateway"}
                         : lab::ScriptedAnswer{.body = kGoodBody};
  });
  PrometheusProvider provider(server.url(), FastRetries());
  const auto result = provider.Run(Query{.expression = "up"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->series[0].samples[0].value, 7.0);
  EXPECT_EQ(server.requests(), 2);
}

TEST(PrometheusProviderFaults, RejectionsAreNeverRetried) {
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest&) {
    return lab::ScriptedAnswer{
        .status = 400,
        .body = R"({"status":"error","errorType":"bad_data","error":"parse error"})"};
  });
  PrometheusProvider provider(server.url(), FastRetries());
  EXPECT_EQ(provider.Run(Query{.expression = "up"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.requests(), 1);
}

TEST(PrometheusProviderFaults, EachFaultGivesItsStatusAndNeverAValue) {
  const std::string huge(100 << 20, ' ');  // 100 MB of whitespace before nothing
  const struct {
    lab::ScriptedAnswer answer;
    absl::StatusCode code;
    absl::Duration timeout = absl::Seconds(1);
  } cases[] = {
      {{.status = 500, .body = "<html>oops</html>"}, absl::StatusCode::kUnavailable},
      {{.body = std::string(kGoodBody).substr(0, 40)}, absl::StatusCode::kDataLoss},
      {{.body = "{\"status\": success}"}, absl::StatusCode::kDataLoss},
      {{.body = kGoodBody, .delay_ms = 1500}, absl::StatusCode::kDeadlineExceeded},
      {{.body = kGoodBody, .cut_after_bytes = 30}, absl::StatusCode::kUnavailable},
      {{.body = huge}, absl::StatusCode::kResourceExhausted, absl::Seconds(20)},
  };
  for (const auto& c : cases) {
    lab::ScriptedHttpServer server([&](const lab::ScriptedRequest&) { return c.answer; });
    PrometheusProvider provider(server.url(), FastRetries());
    const auto result = provider.Run(Query{.expression = "up", .timeout = c.timeout});
    EXPECT_EQ(result.status().code(), c.code)
        << result.status() << " for body of " << c.answer.body.size() << " bytes";
  }
}

TEST(PrometheusProviderLive, StaleSeriesDisappearInsteadOfRepeatingTheirLastValue) {
  // A live exporter that Prometheus scrapes every second; when the canary's
  // series vanishes from it, Prometheus marks it stale and the query must
  // return nothing for it, not its last value.
  std::atomic<bool> canary_alive{true};
  lab::ScriptedHttpServer exporter([&](const lab::ScriptedRequest&) {
    std::string text = "# TYPE inflight gauge\ninflight{version=\"baseline\"} 3\n";
    if (canary_alive) text += "inflight{version=\"canary\"} 5\n";
    return lab::ScriptedAnswer{.body = text, .content_type = "text/plain; version=0.0.4"};
  });
  auto server = lab::PrometheusServer::Start("# EOF\n", exporter.url().substr(7));
  ASSERT_TRUE(server.ok()) << server.status();
  PrometheusProvider provider((*server)->url(), {});
  const auto series_now = [&] {
    auto result =
        provider.Run(Query{.expression = "inflight", .start = absl::Now(), .end = absl::Now()});
    return result.ok() ? result->series.size() : size_t{99};
  };
  // Bounded waits: scrapes happen every second.
  for (int i = 0; i < 100 && series_now() != 2; ++i) absl::SleepFor(absl::Milliseconds(100));
  ASSERT_EQ(series_now(), 2u);
  canary_alive = false;
  for (int i = 0; i < 100 && series_now() != 1; ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(series_now(), 1u);  // well inside the 5-minute lookback
}

}  // namespace
}  // namespace kanarya::metrics
