// LokiProvider against the Loki emulator of the lab.
#include "daemon/metrics/loki_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/lab/loki_emulator.h"

namespace kanarya::metrics {
namespace {

using ::testing::HasSubstr;

// Minute m (0-based) from t0 holds m + 1 canary errors, one baseline error,
// and ten successful requests per side; minute 3 holds no canary errors.
class LokiProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int minute = 0; minute < 6; ++minute) {
      const absl::Time base = t0_ + absl::Minutes(minute) + absl::Seconds(1);
      for (int i = 0; i < 10; ++i) {
        Push("canary", base + absl::Seconds(i), "GET /segment status=200");
        Push("baseline", base + absl::Seconds(i), "GET /segment status=200");
      }
      const int canary_errors = minute == 3 ? 0 : minute + 1;
      for (int i = 0; i < canary_errors; ++i) {
        Push("canary", base + absl::Seconds(20 + i), "GET /segment status=500 error");
      }
      Push("baseline", base + absl::Seconds(30), "GET /segment status=500 error");
    }
  }
  void Push(const std::string& version, absl::Time at, const std::string& line) {
    loki_.Push("tenant-a", {{"app", "segmentation"}, {"version", version}}, at, line);
  }
  Query Range(const std::string& expression) const {
    return {.expression = expression,
            .start = t0_ + absl::Minutes(1),
            .end = t0_ + absl::Minutes(6),
            .step = absl::Minutes(1)};
  }

  const absl::Time t0_ = absl::FromUnixSeconds(int64_t{1'700'000'000} / 60 * 60);
  lab::LokiEmulator loki_{/*multi_tenant=*/true};
  LokiProvider provider_{loki_.url(), "tenant-a", {}};
};

std::vector<double> Values(const Series& series) {
  std::vector<double> values;
  for (const Sample& s : series.samples) values.push_back(s.value);
  return values;
}

TEST_F(LokiProviderTest, MetricQueryFillsTheStepsLokiLeavesOut) {
  const auto result = provider_.Run(
      Range(R"(sum by (version) (count_over_time({app="segmentation"} |= "status=500" [1m])))"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->type, ResultType::kMatrix);
  ASSERT_EQ(result->series.size(), 2u);
  const Series& baseline = result->series[0];
  const Series& canary = result->series[1];
  EXPECT_EQ(canary.labels[0].second, "canary");
  // Steps at minutes 1..6 count the minute before: 1, 2, 3, 0 (left out by
  // Loki, filled here), 5, 6 errors.
  EXPECT_THAT(Values(canary), ::testing::ElementsAre(1, 2, 3, 0, 5, 6));
  EXPECT_THAT(Values(baseline), ::testing::ElementsAre(1, 1, 1, 1, 1, 1));
  EXPECT_EQ(canary.samples[0].time, t0_ + absl::Minutes(1));
}

TEST_F(LokiProviderTest, RateAndInstantVector) {
  const auto rate = provider_.Run(
      Range(R"(sum(rate({app="segmentation", version=~"can.*"} |~ "status=5[0-9]{2}" [1m])))"));
  ASSERT_TRUE(rate.ok()) << rate.status();
  ASSERT_EQ(rate->series.size(), 1u);
  EXPECT_DOUBLE_EQ(rate->series[0].samples[1].value, 2.0 / 60);
  const absl::Time at = t0_ + absl::Minutes(5);
  const auto instant = provider_.Run(Query{
      .expression =
          R"(count_over_time({app="segmentation", version!="baseline"} != "status=500" [5m]))",
      .start = at,
      .end = at});
  ASSERT_TRUE(instant.ok()) << instant.status();
  EXPECT_EQ(instant->type, ResultType::kVector);
  EXPECT_EQ(instant->series[0].samples[0].value, 50.0);
}

TEST_F(LokiProviderTest, LogQueryIsCountedPerStepWithZeros) {
  const auto result = provider_.Run(Range(R"({app="segmentation", version="canary"} |= "error")"));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->series.size(), 1u);
  // Same windows as count_over_time: the first step counts the minute before
  // the range's start.
  EXPECT_THAT(Values(result->series[0]), ::testing::ElementsAre(1, 2, 3, 0, 5, 6));
}

TEST_F(LokiProviderTest, StartTimesWithSubMillisecondDigitsFindTheirSamples) {
  // absl::Now() is never rounded; Loki reports steps in whole milliseconds.
  for (const absl::Duration offset :
       {absl::Nanoseconds(1), absl::Microseconds(123) + absl::Nanoseconds(456),
        absl::Milliseconds(7) + absl::Nanoseconds(999'999)}) {
    Query query =
        Range(R"(sum by (version) (count_over_time({app="segmentation"} |= "error" [1m])))");
    query.start += offset;
    query.end += offset;
    const auto result = provider_.Run(query);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->series.size(), 2u);
    EXPECT_THAT(Values(result->series[1]), ::testing::ElementsAre(1, 2, 3, 0, 5, 6)) << offset;
    EXPECT_EQ(result->series[1].samples[0].time,
              absl::FromUnixMillis(absl::ToUnixMillis(query.start)));
    const auto lines =
        provider_.Run(Query{.expression = R"({app="segmentation", version="canary"} |= "error")",
                            .start = query.start,
                            .end = query.end});
    ASSERT_TRUE(lines.ok()) << lines.status();
    EXPECT_THAT(Values(lines->series[0]), ::testing::ElementsAre(1, 2, 3, 0, 5, 6)) << offset;
  }
}

TEST_F(LokiProviderTest, ARangeQueryNeedsAPositiveStep) {
  for (const absl::Duration step : {absl::ZeroDuration(), absl::Seconds(-60)}) {
    for (const char* expression :
         {R"({app="segmentation"})", R"(count_over_time({app="segmentation"}[1m]))"}) {
      Query query = Range(expression);
      query.step = step;
      const auto result = provider_.Run(query);
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << expression;
      EXPECT_THAT(result.status().message(), HasSubstr("step: must be positive")) << expression;
    }
  }
  // The other queries of the batch are answered.
  Query bad = Range(R"({app="segmentation"})");
  bad.step = absl::ZeroDuration();
  const std::vector<Query> batch = {bad, Range(R"({app="segmentation", version="canary"})")};
  const auto results = provider_.Run(batch);
  EXPECT_FALSE(results[0].ok());
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[1]->series.size(), 1u);
}

TEST_F(LokiProviderTest, AStepWithMillisecondDigitsFindsItsSamples) {
  // One error a second before each step point: Loki must evaluate at exactly
  // these points. A step sent as 1234.57 s would move point k by 3k ms, and
  // every point after the first would come back empty (0, not 1).
  const absl::Duration step = absl::Milliseconds(1'234'567);
  const absl::Time start = t0_ + absl::Minutes(1);
  for (int k = 0; k < 4; ++k) {
    loki_.Push("tenant-a", {{"app", "grid"}}, start + k * step - absl::Seconds(1), "error");
  }
  const auto result =
      provider_.Run(Query{.expression = R"(sum(count_over_time({app="grid"} [1m])))",
                          .start = start,
                          .end = start + 3 * step,
                          .step = step});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->series.size(), 1u);
  EXPECT_THAT(Values(result->series[0]), ::testing::ElementsAre(1, 1, 1, 1));
  EXPECT_EQ(result->series[0].samples[3].time, start + 3 * step);
}

TEST_F(LokiProviderTest, AMetricStepMustBeWholeMilliseconds) {
  Query query = Range(R"(count_over_time({app="segmentation"}[1m]))");
  query.step = absl::Microseconds(1'234'567'800);
  const auto result = provider_.Run(query);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("step: must be whole milliseconds"));
  // A log query's step is not sent: its lines are counted here at any step.
  Query lines = Range(R"({app="segmentation", version="canary"} |= "error")");
  lines.step = absl::Minutes(1) + absl::Nanoseconds(1);
  lines.end = lines.start + 5 * lines.step;
  const auto counted = provider_.Run(lines);
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_THAT(Values(counted->series[0]), ::testing::ElementsAre(1, 2, 3, 0, 5, 6));
}

TEST_F(LokiProviderTest, ARangeQueryHasAtMost11000Points) {
  for (const char* expression :
       {R"({app="segmentation"})", R"(count_over_time({app="segmentation"}[1m]))"}) {
    // A nanosecond step over an hour: refused before any grid is built.
    Query query = Range(expression);
    query.end = query.start + absl::Hours(1);
    query.step = absl::Nanoseconds(1);
    const auto result = provider_.Run(query);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << expression;
    EXPECT_THAT(result.status().message(), HasSubstr("step: 1ns gives 3600000000001 points"))
        << expression;
    // 11001 points are refused, 11000 answered.
    query.step = absl::Milliseconds(1);
    query.end = query.start + absl::Milliseconds(11'000);
    EXPECT_THAT(provider_.Run(query).status().message(),
                HasSubstr("11001 points from start to end, more than the 11000 allowed"))
        << expression;
    query.end -= absl::Milliseconds(1);
    const auto answered = provider_.Run(query);
    ASSERT_TRUE(answered.ok()) << answered.status();
    ASSERT_FALSE(answered->series.empty()) << expression;
    EXPECT_EQ(answered->series[0].samples.size(), 11'000u) << expression;
  }
}

TEST_F(LokiProviderTest, TenancyParseErrorsAndLineLimits) {
  LokiProvider anonymous(loki_.url(), "", {});
  EXPECT_EQ(anonymous.Run(Range(R"({app="segmentation"})")).status().code(),
            absl::StatusCode::kUnauthenticated);
  LokiProvider other(loki_.url(), "tenant-b", {});
  const auto empty = other.Run(Range(R"(count_over_time({app="segmentation"}[1m]))"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->series.empty());

  const auto bad = provider_.Run(Range(R"(count_over_time({app="segmentation"}[1m])"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("parse error at line 1"));

  LokiProvider small_limit(loki_.url(), "tenant-a", {}, /*line_limit=*/10);
  EXPECT_EQ(small_limit.Run(Range(R"({app="segmentation"})")).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(provider_.Health().ok());
}

}  // namespace
}  // namespace kanarya::metrics
