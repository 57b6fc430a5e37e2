#include "daemon/metrics/metric_provider_factory.h"

#include <gtest/gtest.h>

#include "tests/lab/loki_emulator.h"

namespace kanarya::metrics {
namespace {

TEST(MetricProviderFactory, BuildsEachTypeAndRejectsBadConfigNamingTheField) {
  lab::LokiEmulator loki;
  auto provider = MakeMetricProvider({.type = "loki", .url = loki.url()});
  ASSERT_TRUE(provider.ok()) << provider.status();
  EXPECT_TRUE((*provider)->Health().ok());
  EXPECT_TRUE(MakeMetricProvider({.type = "prometheus", .url = "https://prometheus:9090"}).ok());
  EXPECT_EQ(MakeMetricProvider({.type = "graphite", .url = "http://x"}).status().message(),
            "type: must be \"prometheus\" or \"loki\", got \"graphite\"");
  EXPECT_EQ(MakeMetricProvider({.type = "loki", .url = "loki:3100"}).status().message(),
            "url: must start with http:// or https://, got \"loki:3100\"");
}

}  // namespace
}  // namespace kanarya::metrics
