#include "analysis/pairwise_differences.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace kanarya::analysis {
namespace {

std::vector<double> SortedDifferences(const std::vector<double>& canary,
                                      const std::vector<double>& baseline) {
  std::vector<double> all;
  for (double c : canary) {
    for (double b : baseline) all.push_back(c - b);
  }
  std::sort(all.begin(), all.end());
  return all;
}

// Random samples of the given sizes; `levels` > 0 rounds values onto that many
// distinct levels to create heavy ties.
std::vector<double> Sample(std::mt19937_64& rng, size_t size, int levels) {
  std::lognormal_distribution<double> value(3.0, 0.6);
  std::vector<double> sample(size);
  for (double& x : sample) x = levels > 0 ? std::floor(value(rng) / 50.0 * levels) : value(rng);
  std::sort(sample.begin(), sample.end());
  return sample;
}

TEST(PairwiseDifferences, EveryRankMatchesBruteForceOnSmallSamples) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const auto canary = Sample(rng, 1 + trial % 9, trial % 3 == 0 ? 4 : 0);
    const auto baseline = Sample(rng, 1 + (trial * 5) % 11, trial % 3 == 0 ? 4 : 0);
    const PairwiseDifferences differences(canary, baseline);
    const auto expected = SortedDifferences(canary, baseline);
    ASSERT_EQ(differences.size(), expected.size());
    for (uint64_t rank = 1; rank <= expected.size(); ++rank) {
      EXPECT_EQ(differences.Select(rank), expected[rank - 1]) << "trial " << trial;
    }
  }
}

TEST(PairwiseDifferences, LargeSamplesBeyondTheMaterialiseLimitMatchBruteForce) {
  std::mt19937_64 rng(11);
  for (int levels : {0, 3, 40}) {
    const auto canary = Sample(rng, 700, levels);
    const auto baseline = Sample(rng, 450, levels);
    const PairwiseDifferences differences(canary, baseline);
    const auto expected = SortedDifferences(canary, baseline);
    for (uint64_t rank :
         {uint64_t{1}, uint64_t{2}, uint64_t{1000}, expected.size() / 3, expected.size() / 2,
          expected.size() / 2 + 1, expected.size() - 7, expected.size()}) {
      EXPECT_EQ(differences.Select(rank), expected[rank - 1])
          << "levels " << levels << " rank " << rank;
    }
    const size_t half = expected.size() / 2;
    EXPECT_EQ(differences.Median(), 0.5 * expected[half - 1] + 0.5 * expected[half]);
  }
}

TEST(PairwiseDifferences, RanksAskedTogetherMatchBruteForceOnAwkwardShapes) {
  // Heavy tails, two modes, clustered ties and negative values: shapes where
  // interpolation misjudges and the search must fall back to bisection.
  std::mt19937_64 rng(23);
  std::lognormal_distribution<double> heavy(0.0, 2.5);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> size(40, 900);
  for (int trial = 0; trial < 24; ++trial) {
    const auto draw = [&](size_t n) {
      std::vector<double> v(n);
      for (double& x : v) {
        switch (trial % 4) {
          case 0:
            x = heavy(rng);
            break;
          case 1:
            x = normal(rng) + (normal(rng) > 0 ? 1000.0 : -1000.0);
            break;
          case 2:
            x = std::round(normal(rng) * 2.0) / 2.0;
            break;
          default:
            x = -heavy(rng) * 1e-6;
            break;
        }
      }
      std::sort(v.begin(), v.end());
      return v;
    };
    const auto canary = draw(static_cast<size_t>(size(rng)));
    const auto baseline = draw(static_cast<size_t>(size(rng)));
    const auto expected = SortedDifferences(canary, baseline);
    const uint64_t mn = expected.size();
    std::uniform_int_distribution<uint64_t> any_rank(1, mn);
    const std::vector<uint64_t> ranks = {any_rank(rng), (mn + 1) / 2, mn / 2 + 1, 1, mn,
                                         any_rank(rng), any_rank(rng)};
    const PairwiseDifferences differences(canary, baseline);
    const std::vector<double> values = differences.Select(ranks);
    for (size_t r = 0; r < ranks.size(); ++r) {
      EXPECT_EQ(values[r], expected[ranks[r] - 1]) << "trial " << trial << " rank " << ranks[r];
    }
  }
}

TEST(PairwiseDifferences, AllEqualValuesGiveZeroEverywhere) {
  const std::vector<double> canary(3000, 4.25);
  const std::vector<double> baseline(2000, 4.25);
  const PairwiseDifferences differences(canary, baseline);
  EXPECT_EQ(differences.Select(1), 0.0);
  EXPECT_EQ(differences.Median(), 0.0);
  EXPECT_EQ(differences.Select(differences.size()), 0.0);
}

TEST(PairwiseDifferences, HugeSamplesFinishAndBracketTheShift) {
  // 10^5 a side: 10^10 differences, never materialised.
  std::vector<double> canary(100000);
  std::vector<double> baseline(100000);
  for (size_t i = 0; i < canary.size(); ++i) {
    canary[i] = 10.0 + static_cast<double>(i) * 1e-3;
    baseline[i] = static_cast<double>(i) * 1e-3;
  }
  const PairwiseDifferences differences(canary, baseline);
  EXPECT_NEAR(differences.Median(), 10.0, 1e-9);
  EXPECT_NEAR(differences.Select(1), 10.0 - 99.999, 1e-9);
  EXPECT_NEAR(differences.Select(differences.size()), 10.0 + 99.999, 1e-9);
}

}  // namespace
}  // namespace kanarya::analysis
