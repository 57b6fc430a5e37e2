#include "analysis/sorting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace kanarya::analysis {
namespace {

void ExpectSortsLikeStdSort(std::vector<double> values) {
  std::vector<double> expected = values;
  std::sort(expected.begin(), expected.end());
  SortAscending(values);
  ASSERT_EQ(values.size(), expected.size());
  for (size_t i = 0; i < values.size(); ++i) {
    // Equal as doubles (-0.0 and +0.0 may trade places), same bits otherwise.
    ASSERT_EQ(values[i], expected[i]) << "at " << i;
  }
}

TEST(SortAscending, MatchesStdSortOnMixedSignsMagnitudesAndTies) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_int_distribution<int> exponent(-300, 300);
  for (size_t n : {0, 1, 2, 255, 5999, 6000, 6001, 50000}) {
    std::vector<double> values(n);
    for (double& v : values) v = normal(rng) * std::pow(10.0, exponent(rng) / 10);
    ExpectSortsLikeStdSort(values);
  }
}

TEST(SortAscending, HandlesSpecialValuesAndNarrowRanges) {
  std::vector<double> values;
  for (int i = 0; i < 2000; ++i) {
    values.push_back(i % 7 == 0 ? -0.0 : 0.0);
    values.push_back(std::numeric_limits<double>::infinity() * (i % 2 ? 1 : -1));
    values.push_back(std::numeric_limits<double>::denorm_min() * (i % 3 - 1));
    values.push_back(100.0 + (i % 13) * 1e-12);  // differ only in low bits
    values.push_back(-std::numeric_limits<double>::max());
  }
  ExpectSortsLikeStdSort(values);
  ExpectSortsLikeStdSort(std::vector<double>(8000, 42.0));
}

}  // namespace
}  // namespace kanarya::analysis
