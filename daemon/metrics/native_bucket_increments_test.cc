#include "daemon/metrics/native_bucket_increments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "daemon/metrics/bucket_increments.h"

namespace kanarya::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Schema s's bucket i of positive values: (2^((i-1)/2^s), 2^(i/2^s)].
HistogramBucket Bucket(int schema, int index, double count) {
  const double width = std::ldexp(1.0, -schema);
  return {.boundaries = 0,
          .lower = std::exp2((index - 1) * width),
          .upper = std::exp2(index * width),
          .count = count};
}

HistogramBucket ZeroBucket(double count) {
  return {.boundaries = 3, .lower = -1e-3, .upper = 1e-3, .count = count};
}

Series Histograms(std::vector<std::vector<HistogramBucket>> samples) {
  Series series;
  int second = 0;
  for (auto& buckets : samples) {
    series.histograms.push_back(
        {.time = absl::FromUnixSeconds(second += 15), .buckets = std::move(buckets)});
  }
  return series;
}

TEST(NativeBucketIncrements, AnIncreaseIsCoarsenedToPowersOfTwo) {
  // Schema 2 (four buckets per doubling): (1, 1.19] and (1.68, 2] are both in
  // (1, 2]; (2.38, 2.83] in (2, 4]; (6.73, 8] in (4, 8]. The zero bucket is
  // the first, below 1.
  const QueryResult result{.type = ResultType::kVector,
                           .series = {Histograms({{ZeroBucket(3), Bucket(2, 1, 4), Bucket(2, 4, 6),
                                                   Bucket(2, 6, 2.4), Bucket(2, 12, 1)}})}};
  const auto increments = BucketIncrementsOf(result);
  ASSERT_TRUE(increments.ok()) << increments.status();
  ASSERT_TRUE(increments->has_value());
  EXPECT_THAT((*increments)->bounds, ElementsAre(1, 2, 4, 8, kInf));
  EXPECT_THAT((*increments)->counts, ElementsAre(3, 10, 2, 1, 0));
  EXPECT_TRUE((*increments)->exponential);
}

TEST(NativeBucketIncrements, RawSamplesGrowExactlyAcrossACounterReset) {
  // Four raw samples of schema 0: 10 -> 14 -> (restart) 3 -> 5 in (1, 2],
  // 1 -> 2 -> 0 -> 1 in (4, 8]: growth 4 + 3 + 2 = 9 and 1 + 0 + 1 = 2.
  const QueryResult result{.type = ResultType::kMatrix,
                           .series = {Histograms({{Bucket(0, 1, 10), Bucket(0, 3, 1)},
                                                  {Bucket(0, 1, 14), Bucket(0, 3, 2)},
                                                  {Bucket(0, 1, 3)},
                                                  {Bucket(0, 1, 5), Bucket(0, 3, 1)}})}};
  const auto increments = NativeBucketIncrementsOf(result);
  ASSERT_TRUE(increments.ok()) << increments.status();
  ASSERT_TRUE(increments->has_value());
  EXPECT_THAT((*increments)->bounds, ElementsAre(1, 2, 4, 8, kInf));
  EXPECT_THAT((*increments)->counts, ElementsAre(0, 9, 0, 2, 0));
}

TEST(NativeBucketIncrements, PodsOfOtherSchemasAddUpExactly) {
  // One pod at schema 3, one at schema 0: on powers of two they add up.
  const QueryResult result{.type = ResultType::kVector,
                           .series = {Histograms({{Bucket(3, 9, 5), Bucket(3, 16, 1)}}),
                                      Histograms({{Bucket(0, 2, 7), Bucket(0, 3, 2)}})}};
  const auto increments = NativeBucketIncrementsOf(result);
  ASSERT_TRUE(increments.ok()) << increments.status();
  EXPECT_THAT((*increments)->bounds, ElementsAre(2, 4, 8, kInf));
  EXPECT_THAT((*increments)->counts, ElementsAre(0, 13, 2, 0));
}

TEST(NativeBucketIncrements, NoGrowthSeenIsNoData) {
  for (const QueryResult& result :
       {QueryResult{.type = ResultType::kMatrix},
        QueryResult{.type = ResultType::kMatrix, .series = {Histograms({{Bucket(0, 1, 3)}})}},
        QueryResult{.type = ResultType::kVector, .series = {Histograms({{}})}},
        QueryResult{.type = ResultType::kMatrix,
        .series = {Histograms({{Bucket(0, 1, 3)}, {Bucket(0, 1, 3)}})}}}) {
    const auto increments = BucketIncrementsOf(result);
    ASSERT_TRUE(increments.ok()) << increments.status();
    EXPECT_FALSE(increments->has_value());
  }
}

TEST(NativeBucketIncrements, MalformedBucketsAreStatuses) {
  const auto read = [](std::vector<HistogramBucket> buckets) {
    return NativeBucketIncrementsOf(QueryResult{.type = ResultType::kVector,
                                                .series = {Histograms({std::move(buckets)})}})
        .status();
  };
  EXPECT_EQ(read({Bucket(0, 1, -3)}).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read({Bucket(0, 1, kInf)}).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read({Bucket(0, 1, std::nan(""))}).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read({{.lower = 1.5, .upper = 2.5, .count = 1}}).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read({{.lower = 1, .upper = kInf, .count = 1}}).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read({{.lower = 0, .upper = 1, .count = 1}}).code(), absl::StatusCode::kDataLoss);
  // Bounds that would not be finite, and more requests than a tick has.
  EXPECT_EQ(read({{.lower = 0x1p1023, .upper = 0x1.8p1023, .count = 1}}).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(read({Bucket(0, 3, 9e14), Bucket(0, 4, 9e14)}).code(), absl::StatusCode::kDataLoss);
  const absl::Status coarse = read({Bucket(-1, 1, 1)});  // (1, 4]
  EXPECT_EQ(coarse.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(coarse.message(), HasSubstr("wider than one doubling"));
  // Float samples beside histograms: two kinds of histogram in one query.
  QueryResult mixed{.type = ResultType::kVector, .series = {Histograms({{Bucket(0, 1, 1)}})}};
  mixed.series.push_back({.labels = {{"le", "+Inf"}}, .samples = {{absl::UnixEpoch(), 1}}});
  EXPECT_EQ(BucketIncrementsOf(mixed).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NativeBucketIncrementsOf(QueryResult{.type = ResultType::kScalar}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NativeBucketIncrements, NegativeValuesAreDataLossNamingTheSeries) {
  // Schema 0's negative bucket [-2, -1) beside the zero bucket and (1, 2]:
  // not requests faster than every other, a broken instrument.
  QueryResult result{
      .type = ResultType::kVector,
      .series = {Histograms({{{.boundaries = 1, .lower = -2, .upper = -1, .count = 4},
                              ZeroBucket(3),
                              Bucket(0, 1, 5)}})}};
  result.series[0].labels = {{"pod", "a"}, {"version", "v2"}};
  const absl::Status status = NativeBucketIncrementsOf(result).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "native histogram series {pod=\"a\", version=\"v2\"}: bucket (-2, -1] holds negative "
            "values (4); a latency cannot be negative");
  // A bucket across zero that is not the zero bucket [-t, t].
  result.series[0].histograms[0].buckets = {{.boundaries = 3, .lower = -1, .upper = 2, .count = 1}};
  EXPECT_THAT(NativeBucketIncrementsOf(result).status().message(),
              HasSubstr("bucket (-1, 2] holds negative values"));
  // The zero bucket alone still counts, below the first bound.
  result.series[0].histograms[0].buckets = {ZeroBucket(3), Bucket(0, 1, 5)};
  const auto increments = NativeBucketIncrementsOf(result);
  ASSERT_TRUE(increments.ok()) << increments.status();
  EXPECT_THAT((*increments)->counts, ElementsAre(3, 5, 0));
}

TEST(NativeBucketIncrements, OnlyTheBucketsOfASchemaFromZeroToEightAreRead) {
  const auto read = [](std::vector<HistogramBucket> buckets) {
    return NativeBucketIncrementsOf(QueryResult{.type = ResultType::kVector,
                                                .series = {Histograms({std::move(buckets)})}})
        .status();
  };
  // Within one doubling but no schema's bucket: a quarter-doubling wide at
  // a shifted place, and a width no schema has.
  for (const HistogramBucket& bucket :
       {HistogramBucket{.lower = std::exp2(0.1), .upper = std::exp2(0.35), .count = 1},
        HistogramBucket{.lower = 1.1, .upper = 1.5, .count = 1},
        HistogramBucket{.lower = 1, .upper = std::exp2(1.0 / 512), .count = 1}}) {
    const absl::Status status = read({bucket});
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << bucket.lower;
    EXPECT_THAT(status.message(),
                HasSubstr("is not (2^((i-1)/2^s), 2^(i/2^s)] for a schema s from 0 to 8"));
  }
  // Every schema's buckets, at both ends of the range of doubles.
  for (int schema = 0; schema <= 8; ++schema) {
    const int per_doubling = 1 << schema;
    EXPECT_TRUE(read({Bucket(schema, 1, 1), Bucket(schema, per_doubling * 1023, 1)}).ok())
        << schema;
    EXPECT_TRUE(read({Bucket(schema, -per_doubling * 1020 + 1, 1)}).ok()) << schema;
  }
}

TEST(NativeBucketIncrements, NativeSidesMeetOnTheUnionOfTheirBounds) {
  // Each side's cumulative count is known at every power of two: the
  // baseline's below its first bound is its first bucket's, the canary's
  // above its last its total.
  BucketIncrements baseline{
      .bounds = {4, 8, 16, kInf}, .counts = {1, 5, 2, 0}, .exponential = true};
  BucketIncrements canary{.bounds = {1, 2, 4, kInf}, .counts = {0, 3, 4, 0}, .exponential = true};
  ASSERT_TRUE(ToCommonLayout(baseline, canary).ok());
  EXPECT_THAT(baseline.bounds, ElementsAre(1, 2, 4, 8, 16, kInf));
  EXPECT_THAT(baseline.counts, ElementsAre(1, 0, 0, 5, 2, 0));
  EXPECT_THAT(canary.counts, ElementsAre(0, 3, 4, 0, 0, 0));
  // A classic side still meets a native one on the bounds both have.
  BucketIncrements classic{.bounds = {2, 5, kInf}, .counts = {3, 4, 1}};
  BucketIncrements native{.bounds = {1, 2, 4, kInf}, .counts = {1, 3, 4, 0}, .exponential = true};
  ASSERT_TRUE(ToCommonLayout(classic, native).ok());
  EXPECT_THAT(native.bounds, ElementsAre(2, kInf));
  EXPECT_THAT(native.counts, ElementsAre(4, 4));
}

}  // namespace
}  // namespace kanarya::metrics
