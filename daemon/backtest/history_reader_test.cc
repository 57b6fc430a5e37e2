#include "daemon/backtest/history_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "daemon/spec/spec_test_util.h"

namespace kanarya::backtest {
namespace {

using ::testing::HasSubstr;

const absl::Time kFrom = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::Duration kTick = absl::Seconds(15);  // ValidSpec's

int64_t Points(const metrics::Query& q) {
  return q.start == q.end ? 1 : (q.end - q.start) / q.step + 1;
}

// Answers every query with `answer(query)`, and keeps what it was asked.
class ScriptedProvider final : public metrics::MetricProvider {
 public:
  explicit ScriptedProvider(
      std::function<absl::StatusOr<metrics::QueryResult>(const metrics::Query&)> answer)
      : answer_(std::move(answer)) {}
  std::vector<absl::StatusOr<metrics::QueryResult>> Run(
      std::span<const metrics::Query> queries) override {
    ++batches;
    std::vector<absl::StatusOr<metrics::QueryResult>> answers;
    for (const metrics::Query& query : queries) {
      asked.push_back(query);
      answers.push_back(answer_(query));
    }
    return answers;
  }
  absl::Status Health() override { return absl::OkStatus(); }
  using MetricProvider::Run;

  std::vector<metrics::Query> asked;
  int batches = 0;

 private:
  std::function<absl::StatusOr<metrics::QueryResult>(const metrics::Query&)> answer_;
};

metrics::QueryResult Empty(const metrics::Query&) { return {.type = metrics::ResultType::kMatrix}; }

spec::TickQueryPlan Plan() {
  absl::StatusOr<spec::TickQueryPlan> plan = spec::TickQueryPlan::Make(spec::ValidSpec());
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *std::move(plan);
}

TEST(SplitRangeTest, ChunksCoverEveryTickEndOnceWithinTheLimits) {
  const metrics::Query range{
      .expression = "up", .start = kFrom, .end = kFrom + 24 * kTick, .step = kTick};
  const std::vector<metrics::Query> chunks = SplitRange(range, 10, absl::InfiniteDuration());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].start, kFrom);
  EXPECT_EQ(chunks[0].end, kFrom + 9 * kTick);
  EXPECT_EQ(chunks[1].start, kFrom + 10 * kTick);
  EXPECT_EQ(chunks[1].end, kFrom + 19 * kTick);
  EXPECT_EQ(chunks[2].start, kFrom + 20 * kTick);
  EXPECT_EQ(chunks[2].end, kFrom + 24 * kTick);
  for (const metrics::Query& chunk : chunks) {
    EXPECT_EQ(chunk.step, kTick);
    EXPECT_EQ(chunk.expression, "up");
  }
  // The range limit: 60 s holds 5 tick ends of 15 s.
  const std::vector<metrics::Query> by_range = SplitRange(range, 11'000, absl::Seconds(60));
  ASSERT_EQ(by_range.size(), 5u);
  EXPECT_EQ(by_range[0].end, kFrom + 4 * kTick);
  // An instant query, and a range within the limits, stay as they are.
  const metrics::Query instant{.expression = "up", .start = kFrom, .end = kFrom, .step = kTick};
  EXPECT_EQ(SplitRange(instant, 10, absl::Hours(1)).size(), 1u);
  EXPECT_EQ(SplitRange(range, 25, absl::Hours(1)).size(), 1u);
}

TEST(ReadHistoryTest, AsksForThePreflightTheHistoryAndEveryTickWithinThePointLimit) {
  ScriptedProvider prometheus(Empty);
  const HistoryWindow window{.preflight = kFrom,
                             .history_ticks = 120,
                             .first_tick_end = kFrom + kTick,
                             .last_tick_end = kFrom + 100 * kTick};
  absl::StatusOr<HistoryRecording> recording =
      ReadHistory(Plan(), window, {{"prometheus", &prometheus}},
                  {.max_points_per_query = 30,
                   .max_query_range = absl::Hours(720),
                   .max_concurrent_queries = 4});
  ASSERT_TRUE(recording.ok()) << recording.status();
  // 6 instant queries, 1 history range (120 points, not split: it is sent as
  // the engine sends it), 6 × 4 chunks of the 100 tick ends (30 at most).
  EXPECT_EQ(recording->queries_sent, 6 + 1 + 6 * 4);
  EXPECT_EQ(prometheus.asked.size(), 31u);
  EXPECT_EQ(prometheus.batches, 8);  // at most 4 at once
  int instants = 0;
  int64_t tick_points = 0;
  for (const metrics::Query& query : prometheus.asked) {
    if (query.start == query.end) {
      ++instants;
      EXPECT_EQ(query.end, kFrom);
    } else if (query.end == kFrom) {
      EXPECT_EQ(query.start, kFrom - 119 * kTick);  // the history
    } else {
      EXPECT_LE(Points(query), 30);
      EXPECT_GE(query.start, window.first_tick_end);
      EXPECT_LE(query.end, window.last_tick_end);
      tick_points += Points(query);
    }
  }
  EXPECT_EQ(instants, 6);
  EXPECT_EQ(tick_points, 6 * 100);
  ASSERT_TRUE(recording->providers.contains("prometheus"));
}

TEST(ReadHistoryTest, TooMuchAtOnceSplitsTheRangeUntilItFits) {
  // More than 8 tick ends in one query: too many lines, or samples.
  for (const absl::Status& too_much :
       {absl::ResourceExhaustedError("line limit"),
        absl::FailedPreconditionError(
            "Prometheus execution: query processing would load too many samples into memory "
            "in query execution")}) {
    ScriptedProvider loki(
        [&too_much](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
          if (Points(query) > 8) return too_much;
          return Empty(query);
        });
    const HistoryWindow window{.preflight = kFrom,
                               .history_ticks = 0,
                               .first_tick_end = kFrom + kTick,
                               .last_tick_end = kFrom + 40 * kTick};
    absl::StatusOr<HistoryRecording> recording =
        ReadHistory(Plan(), window, {{"prometheus", &loki}}, {});
    ASSERT_TRUE(recording.ok()) << recording.status();
    // Each of the 6 ranges of 40: refused, halves of 20 refused, quarters of
    // 10 refused, eighths of 5 answered: 1 + 2 + 4 + 8 per range.
    EXPECT_EQ(recording->queries_sent, 6 + 6 * 15);
    const metrics::Query tick = Plan().QueriesAt(kFrom + 33 * kTick)[0].query;
    EXPECT_TRUE(recording->providers.at("prometheus")->Run(tick).ok());
    for (const metrics::Query& asked : loki.asked) {
      if (asked.start != asked.end) {
        EXPECT_EQ(asked.timeout, absl::Minutes(2));
      }
    }
  }
}

TEST(ReadHistoryTest, OtherFailuresAreRecordedNotSplit) {
  ScriptedProvider prometheus([](const metrics::Query&) -> absl::StatusOr<metrics::QueryResult> {
    return absl::FailedPreconditionError("Prometheus execution: division by zero");
  });
  const HistoryWindow window{.preflight = kFrom,
                             .history_ticks = 0,
                             .first_tick_end = kFrom + kTick,
                             .last_tick_end = kFrom + 40 * kTick};
  absl::StatusOr<HistoryRecording> recording =
      ReadHistory(Plan(), window, {{"prometheus", &prometheus}}, {});
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->queries_sent, 6 + 6);
  const metrics::Query tick = Plan().QueriesAt(kFrom + 7 * kTick)[1].query;
  EXPECT_EQ(recording->providers.at("prometheus")->Run(tick).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ReadHistoryTest, AOneTickRangeThatStillFailsIsRecordedAsTheEngineWouldMeetIt) {
  // Every query holding the second tick end has too many lines, even alone.
  const absl::Time second_end = kFrom + 2 * kTick;
  ScriptedProvider loki(
      [second_end](const metrics::Query& query) -> absl::StatusOr<metrics::QueryResult> {
        if (query.start <= second_end && second_end <= query.end) {
          return absl::ResourceExhaustedError("line limit");
        }
        return Empty(query);
      });
  const HistoryWindow window{.preflight = kFrom,
                             .history_ticks = 0,
                             .first_tick_end = kFrom + kTick,
                             .last_tick_end = kFrom + 2 * kTick};
  absl::StatusOr<HistoryRecording> recording =
      ReadHistory(Plan(), window, {{"prometheus", &loki}}, {});
  ASSERT_TRUE(recording.ok()) << recording.status();
  // The ranges of two tick ends were split into single ticks: instant
  // queries, as live; the first tick's answer is kept.
  const metrics::Query first = Plan().QueriesAt(kFrom + kTick)[0].query;
  const metrics::Query second = Plan().QueriesAt(second_end)[0].query;
  EXPECT_TRUE(recording->providers.at("prometheus")->Run(first).ok());
  EXPECT_EQ(recording->providers.at("prometheus")->Run(second).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(recording->queries_sent, 6 + 6 * 3);
}

TEST(ReadHistoryTest, AnUnreachableProviderEndsTheReadNamingIt) {
  for (const absl::Status& failure :
       {absl::UnavailableError("connection refused"), absl::DeadlineExceededError("timed out")}) {
    ScriptedProvider down(
        [&failure](const metrics::Query&) -> absl::StatusOr<metrics::QueryResult> {
          return failure;
        });
    const HistoryWindow window{.preflight = kFrom,
                               .history_ticks = 120,
                               .first_tick_end = kFrom + kTick,
                               .last_tick_end = kFrom + 10 * kTick};
    absl::StatusOr<HistoryRecording> recording =
        ReadHistory(Plan(), window, {{"prometheus", &down}}, {});
    EXPECT_EQ(recording.status().code(), failure.code());
    EXPECT_THAT(recording.status().message(), HasSubstr("provider \"prometheus\": "));
    EXPECT_THAT(recording.status().message(), HasSubstr(failure.message()));
    EXPECT_LE(down.batches, 1);  // the first failure ends it
  }
}

TEST(ReadHistoryTest, AProviderThatIsNotConfiguredIsABadSpec) {
  const HistoryWindow window{.preflight = kFrom,
                             .history_ticks = 0,
                             .first_tick_end = kFrom + kTick,
                             .last_tick_end = kFrom + 10 * kTick};
  absl::StatusOr<HistoryRecording> recording = ReadHistory(Plan(), window, {}, {});
  EXPECT_EQ(recording.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(recording.status().message(),
              HasSubstr("analysis.metrics[0].source.provider: no provider named \"prometheus\""));
}

}  // namespace
}  // namespace kanarya::backtest
