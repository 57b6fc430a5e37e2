// Every statistical building block against values computed by R (see
// tests/fixtures/generate_statistics_fixtures.R), to 1e-9 relative, and the
// large-sample shift interval against a brute-force sort of every pairwise
// difference (tests/fixtures/generate_pairwise_fixtures.py).
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

// Probabilities to `relative`; interval bounds always to 1e-9.
void ExpectBinomialMatches(const nlohmann::json& cases, double relative) {
  for (const auto& c : cases) {
    const auto x = c["x"].get<int64_t>();
    const auto n = c["n"].get<int64_t>();
    const double p = Number(c["p"]);
    SCOPED_TRACE(::testing::Message() << "x=" << x << " n=" << n << " p=" << p);
    EXPECT_TRUE(NearlyEqual(BinomialPmf(x, n, p), Number(c["pmf"]), relative));
    EXPECT_TRUE(NearlyEqual(BinomialLowerTail(x, n, p), Number(c["lower_tail"]), relative));
    EXPECT_TRUE(NearlyEqual(BinomialUpperTail(x, n, p), Number(c["upper_tail"]), relative));
    EXPECT_TRUE(NearlyEqual(BinomialTwoSidedPValue(x, n, p), Number(c["p_value"]), relative));
    const Interval interval = ClopperPearson(x, n, Number(c["confidence_level"]));
    EXPECT_TRUE(NearlyEqual(interval.lower, Number(c["ci_lower"])));
    EXPECT_TRUE(NearlyEqual(interval.upper, Number(c["ci_upper"])));
  }
}

TEST(BinomialReference, MassTailsTestAndIntervalMatchR) {
  ExpectBinomialMatches(Reference()["binomial"], 1e-9);
}

// Totals near 2^52, the largest a request may carry, with counts at the
// extremes (none, all, deep in a tail). The incomplete beta function loses
// about (shape x long double epsilon) of relative accuracy in its power
// terms, ~1e-4 at shapes near 2^50; immaterial for a test at level alpha,
// and the interval bounds keep 1e-9.
TEST(BinomialReference, TotalsNear2To52MatchR) {
  ASSERT_GE(Reference()["binomial_huge"].size(), 8u);
  ExpectBinomialMatches(Reference()["binomial_huge"], 2e-4);
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
  int with_interval = 0;
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
    // wilcox.test's own estimate and interval, given for the exact cases.
    if (!c.contains("hodges_lehmann")) continue;
    ++with_interval;
    const ShiftEstimate shift =
        EstimateShift(canary, baseline, test, Number(c["confidence_level"]));
    EXPECT_TRUE(NearlyEqual(shift.hodges_lehmann, Number(c["hodges_lehmann"])));
    EXPECT_TRUE(NearlyEqual(shift.ci_lower, Number(c["ci_lower"])));
    EXPECT_TRUE(NearlyEqual(shift.ci_upper, Number(c["ci_upper"])));
  }
  EXPECT_GE(with_interval, 6);
}

// The rule of the large-sample interval, applied to the materialised and
// sorted differences by numpy, up to 10^7 pairs.
TEST(ShiftEstimateReference, LargeSampleRuleMatchesBruteForce) {
  static const nlohmann::json* reference =
      new nlohmann::json(LoadFixture("pairwise_reference.json"));
  ASSERT_GE((*reference)["shift"].size(), 10u);
  for (const auto& c : (*reference)["shift"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<double> canary = Numbers(c["canary"]);
    std::vector<double> baseline = Numbers(c["baseline"]);
    std::sort(canary.begin(), canary.end());
    std::sort(baseline.begin(), baseline.end());
    const RankSumTest test = MannWhitney(canary, baseline);
    EXPECT_FALSE(test.exact);
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
