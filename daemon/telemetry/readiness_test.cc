#include "daemon/telemetry/readiness.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "daemon/api/http_health.h"
#include "daemon/store/memory_state_store.h"
#include "daemon/telemetry/readiness_monitor.h"
#include "daemon/telemetry/telemetry_http.h"
#include "daemon/telemetry/telemetry_test_util.h"
#include "gtest/gtest.h"

namespace kanarya::telemetry {
namespace {

// A provider whose endpoint is up or down at the test's say.
class SwitchableProvider final : public metrics::MetricProvider {
 public:
  std::vector<absl::StatusOr<metrics::QueryResult>> Run(
      std::span<const metrics::Query> queries) override {
    return std::vector<absl::StatusOr<metrics::QueryResult>>(queries.size(),
                                                             absl::UnavailableError("down"));
  }
  absl::Status Health() override {
    return up.load() ? absl::OkStatus()
                     : absl::UnavailableError("Prometheus /-/ready: connection refused");
  }
  std::atomic<bool> up = true;
};

class ReadinessTest : public ::testing::Test {
 protected:
  ReadinessTest() {
    auto owned = std::make_unique<SwitchableProvider>();
    provider = owned.get();
    providers["prometheus"] = std::move(owned);
    providers["loki"] = std::make_unique<SwitchableProvider>();
    std::vector<ReadinessCheck> checks = ProviderChecks(providers);
    checks.insert(checks.begin(), StoreCheck(store));
    readiness = std::make_unique<Readiness>(std::move(checks));
  }

  store::MemoryStateStore store;
  std::map<std::string, metrics::MetricProviderPtr> providers;
  SwitchableProvider* provider = nullptr;
  std::unique_ptr<Readiness> readiness;
};

TEST_F(ReadinessTest, EvaluateNamesEveryFailingPart) {
  EXPECT_TRUE(readiness->Evaluate().ok());
  provider->up = false;
  static_cast<SwitchableProvider&>(*providers["loki"]).up = false;
  const absl::Status status = readiness->Evaluate();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(),
            "provider loki: Prometheus /-/ready: connection refused; "
            "provider prometheus: Prometheus /-/ready: connection refused");
}

TEST_F(ReadinessTest, ReadyzAnswers503NamingTheProviderThatIsDownAnd200WhenUp) {
  auto http = api::HttpHealthEndpoint::Start("127.0.0.1:0");
  ASSERT_TRUE(http.ok()) << http.status();
  TelemetryHttp telemetry({}, *readiness);
  telemetry.AddTo((*http)->context());
  const std::string url = absl::StrCat("http://127.0.0.1:", (*http)->port(), "/readyz");

  HttpAnswer answer = HttpGet(url);
  EXPECT_EQ(answer.code, 200);
  EXPECT_EQ(answer.body, "ready\n");

  provider->up = false;
  answer = HttpGet(url);
  EXPECT_EQ(answer.code, 503);
  EXPECT_EQ(answer.body,
            "not ready: provider prometheus: Prometheus /-/ready: connection refused\n");

  provider->up = true;
  EXPECT_EQ(HttpGet(url).code, 200);

  telemetry.SetServing(false);
  answer = HttpGet(url);
  EXPECT_EQ(answer.code, 503);
  EXPECT_EQ(answer.body, "stopping\n");
  // /healthz on the same port is untouched by readiness.
  EXPECT_EQ(HttpGet(absl::StrCat("http://127.0.0.1:", (*http)->port(), "/healthz")).code, 200);
}

TEST_F(ReadinessTest, MonitorKeepsTheServingFlagInStepWithReadiness) {
  absl::Mutex mutex;
  std::vector<bool> seen;
  {
    ReadinessMonitor monitor(*readiness, absl::Milliseconds(5), [&](bool serving) {
      absl::MutexLock lock(&mutex);
      if (seen.empty() || seen.back() != serving) seen.push_back(serving);
    });
    auto wait_for = [&](size_t count) {
      absl::MutexLock lock(&mutex);
      auto reached = [&] { return seen.size() >= count; };
      return mutex.AwaitWithTimeout(absl::Condition(&reached, &decltype(reached)::operator()),
                                    absl::Seconds(10));
    };
    ASSERT_TRUE(wait_for(1));
    provider->up = false;
    ASSERT_TRUE(wait_for(2));
    provider->up = true;
    ASSERT_TRUE(wait_for(3));
  }
  EXPECT_EQ(seen, (std::vector<bool>{true, false, true}));
}

}  // namespace
}  // namespace kanarya::telemetry
