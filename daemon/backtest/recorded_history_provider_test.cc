#include "daemon/backtest/recorded_history_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kanarya::backtest {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::Duration kStep = absl::Seconds(10);

metrics::Query Range(const std::string& expression, absl::Time start, absl::Time end) {
  return {.expression = expression, .start = start, .end = end, .step = kStep};
}
metrics::Query Instant(const std::string& expression, absl::Time at) {
  return {.expression = expression, .start = at, .end = at, .step = kStep};
}

// One series "a" with the value k at kStart + k steps, for k in [first, last].
metrics::QueryResult Counting(int first, int last) {
  metrics::QueryResult result{.type = metrics::ResultType::kMatrix};
  metrics::Series& series = result.series.emplace_back();
  series.labels = {{"pod", "a"}};
  for (int k = first; k <= last; ++k) series.samples.push_back({kStart + k * kStep, 1.0 * k});
  return result;
}

TEST(RecordedHistoryProviderTest, AnInstantQueryGetsTheRangeAnswerAtItsTime) {
  RecordedHistoryProvider provider;
  provider.Record(Range("up", kStart, kStart + 9 * kStep), Counting(0, 9));
  provider.Record(Range("up", kStart + 10 * kStep, kStart + 19 * kStep), Counting(10, 19));
  for (const int k : {0, 5, 9, 10, 19}) {
    const absl::StatusOr<metrics::QueryResult> answer =
        provider.Run(Instant("up", kStart + k * kStep));
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->type, metrics::ResultType::kVector);
    ASSERT_EQ(answer->series.size(), 1u);
    ASSERT_EQ(answer->series[0].samples.size(), 1u);
    EXPECT_EQ(answer->series[0].samples[0].value, k);
    EXPECT_EQ(answer->series[0].samples[0].time, kStart + k * kStep);
  }
}

TEST(RecordedHistoryProviderTest, AQueryRecordedAsItIsGetsItsAnswer) {
  RecordedHistoryProvider provider;
  const metrics::Query history = Range("up", kStart, kStart + 5 * kStep);
  provider.Record(history, Counting(0, 5));
  provider.Record(Instant("up", kStart + 5 * kStep), absl::DataLossError("recorded as such"));
  const absl::StatusOr<metrics::QueryResult> range = provider.Run(history);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->type, metrics::ResultType::kMatrix);
  EXPECT_EQ(range->series[0].samples.size(), 6u);
  // The instant recorded as it is wins over the range holding its time.
  EXPECT_EQ(provider.Run(Instant("up", kStart + 5 * kStep)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE(provider.Run(Instant("up", kStart + 4 * kStep)).ok());
}

TEST(RecordedHistoryProviderTest, AFailedRangeAnswersEachOfItsTicksWithItsFailure) {
  RecordedHistoryProvider provider;
  provider.Record(Range("up", kStart, kStart + 9 * kStep), absl::InvalidArgumentError("bad_data"));
  const absl::StatusOr<metrics::QueryResult> answer = provider.Run(Instant("up", kStart + kStep));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(answer.status().message(), "bad_data");
}

TEST(RecordedHistoryProviderTest, AGapIsAnEmptyAnswerNotAnError) {
  RecordedHistoryProvider provider;
  metrics::QueryResult gap = Counting(0, 9);
  auto& samples = gap.series[0].samples;
  samples.erase(samples.begin() + 3, samples.begin() + 6);  // ticks 3, 4, 5
  provider.Record(Range("up", kStart, kStart + 9 * kStep), gap);
  const absl::StatusOr<metrics::QueryResult> answer =
      provider.Run(Instant("up", kStart + 4 * kStep));
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->series.empty());
}

TEST(RecordedHistoryProviderTest, WhatWasNotRecordedIsAnInternalErrorNamingIt) {
  RecordedHistoryProvider provider;
  provider.Record(Range("up", kStart, kStart + 9 * kStep), Counting(0, 9));
  const metrics::Query off_grid = Instant("up", kStart + absl::Seconds(15));
  const metrics::Query after = Instant("up", kStart + 10 * kStep);
  const metrics::Query other = Instant("down", kStart);
  const metrics::Query longer = Range("up", kStart, kStart + 10 * kStep);
  for (const metrics::Query& query : {off_grid, after, other, longer}) {
    const absl::StatusOr<metrics::QueryResult> answer = provider.Run(query);
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kInternal);
    EXPECT_THAT(answer.status().message(), HasSubstr("not in the recorded history"));
  }
}

}  // namespace
}  // namespace kanarya::backtest
