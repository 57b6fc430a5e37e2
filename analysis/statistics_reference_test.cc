// Every statistical building block against values computed by R (see
// tests/fixtures/generate_statistics_fixtures.R), to 1e-9 relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "analysis/binomial.h"
#include "analysis/exact_rank_sum_distribution.h"
#include "analysis/normal.h"
#include "analysis/rank_sum_test.h"
#include "analysis/rate_ratio_test.h"
#include "analysis/shift_estimate.h"
#include "tests/testing/reference_values.h"

namespace kanarya::analysis {
namespace {

using ::kanarya::testing::LoadFixture;
using ::kanarya::testing::NearlyEqual;
using ::kanarya::testing::Number;
using ::kanarya::testing::Numbers;

const nlohmann::json& Reference() {
  static const nlohmann::json* reference =
      new nlohmann::json(LoadFixture("statistics_reference.json"));
  return *reference;
}

TEST(NormalReference, QuantileMatchesR) {
  for (const auto& c : Reference()["normal_quantile"]) {
    EXPECT_TRUE(NearlyEqual(NormalQuantile(Number(c["p"])), Number(c["quantile"]), 1e-12))
        << "p=" << Number(c["p"]);
  }
}

TEST(NormalReference, TailsMatchR) {
  for (const auto& c : Reference()["normal_tail"]) {
    const double z = Number(c["z"]);
    EXPECT_TRUE(NearlyEqual(NormalCdf(z), Number(c["cdf"]), 1e-12)) << "z=" << z;
    EXPECT_TRUE(NearlyEqual(NormalUpperTail(z), Number(c["upper"]), 1e-12)) << "z=" << z;
  }
}

TEST(BinomialReference, MassTailsTestAndIntervalMatchR) {
  for (const auto& c : Reference()["binomial"]) {
    const auto x = c["x"].get<int64_t>();
    const auto n = c["n"].get<int64_t>();
    const double p = Number(c["p"]);
    SCOPED_TRACE(::testing::Message() << "x=" << x << " n=" << n << " p=" << p);
    EXPECT_TRUE(NearlyEqual(BinomialPmf(x, n, p), Number(c["pmf"])));
    EXPECT_TRUE(NearlyEqual(BinomialLowerTail(x, n, p), Number(c["lower_tail"])));
    EXPECT_TRUE(NearlyEqual(BinomialUpperTail(x, n, p), Number(c["upper_tail"])));
    EXPECT_TRUE(NearlyEqual(BinomialTwoSidedPValue(x, n, p), Number(c["p_value"])));
    const ProportionInterval interval = ClopperPearson(x, n, Number(c["confidence_level"]));
    EXPECT_TRUE(NearlyEqual(interval.lower, Number(c["ci_lower"])));
    EXPECT_TRUE(NearlyEqual(interval.upper, Number(c["ci_upper"])));
  }
}

TEST(ExactRankSumReference, QuantileAndCdfMatchR) {
  for (const auto& c : Reference()["rank_sum_quantile"]) {
    const int m = c["m"].get<int>();
    const int n = c["n"].get<int>();
    const ExactRankSumDistribution distribution(m, n);
    EXPECT_EQ(distribution.Quantile(Number(c["p"])), c["quantile"].get<int64_t>())
        << "m=" << m << " n=" << n << " p=" << Number(c["p"]);
    EXPECT_TRUE(NearlyEqual(distribution.Cdf(5), Number(c["cdf_at_5"])));
  }
}

TEST(RankSumReference, TestStatisticShiftAndIntervalMatchR) {
  for (const auto& c : Reference()["rank_sum"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<double> canary = Numbers(c["canary"]);
    std::vector<double> baseline = Numbers(c["baseline"]);
    std::sort(canary.begin(), canary.end());
    std::sort(baseline.begin(), baseline.end());
    const RankSumTest test = MannWhitney(canary, baseline);
    EXPECT_EQ(test.exact, c["exact"].get<bool>());
    EXPECT_TRUE(NearlyEqual(test.u, Number(c["u_statistic"])));
    EXPECT_TRUE(NearlyEqual(test.p_value, Number(c["p_value"])));
    const ShiftEstimate shift =
        EstimateShift(canary, baseline, test, Number(c["confidence_level"]));
    EXPECT_TRUE(NearlyEqual(shift.hodges_lehmann, Number(c["hodges_lehmann"])));
    EXPECT_TRUE(NearlyEqual(shift.ci_lower, Number(c["ci_lower"])));
    EXPECT_TRUE(NearlyEqual(shift.ci_upper, Number(c["ci_upper"])));
  }
}

TEST(RateRatioReference, MatchesPoissonTest) {
  for (const auto& c : Reference()["rates"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const EventCounts counts{.canary_events = c["canary_events"].get<int64_t>(),
                             .canary_total = c["canary_total"].get<int64_t>(),
                             .baseline_events = c["baseline_events"].get<int64_t>(),
                             .baseline_total = c["baseline_total"].get<int64_t>()};
    const RateRatioTest test = CompareRates(counts, Number(c["confidence_level"]));
    EXPECT_TRUE(NearlyEqual(test.p_value, Number(c["p_value"])));
    EXPECT_TRUE(NearlyEqual(test.rate_ratio, Number(c["rate_ratio"])));
    EXPECT_TRUE(NearlyEqual(test.ci_lower, Number(c["ci_lower"])));
    EXPECT_TRUE(NearlyEqual(test.ci_upper, Number(c["ci_upper"])));
  }
}

}  // namespace
}  // namespace kanarya::analysis
