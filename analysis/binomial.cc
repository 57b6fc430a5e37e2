#include "analysis/binomial.h"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>

#include "analysis/math_policy.h"

namespace kanarya::analysis {
namespace {

double Real(int64_t value) { return static_cast<double>(value); }

}  // namespace

double BinomialPmf(int64_t x, int64_t n, double p) {
  if (x < 0 || x > n) return 0.0;
  if (p == 0.0) return x == 0 ? 1.0 : 0.0;
  if (p == 1.0) return x == n ? 1.0 : 0.0;
  // d/dp I_p(x + 1, n - x + 1) = (n + 1) P(X = x).
  return boost::math::ibeta_derivative(Real(x) + 1, Real(n - x) + 1, p, QuietMathPolicy()) /
         (Real(n) + 1);
}

double BinomialLowerTail(int64_t x, int64_t n, double p) {
  if (x < 0) return 0.0;
  if (x >= n) return 1.0;
  if (p == 0.0) return 1.0;
  if (p == 1.0) return 0.0;
  // P(X <= x) = 1 - I_p(x + 1, n - x).
  return boost::math::ibetac(Real(x) + 1, Real(n - x), p, QuietMathPolicy());
}

double BinomialUpperTail(int64_t x, int64_t n, double p) {
  if (x <= 0) return 1.0;
  if (x > n) return 0.0;
  if (p == 0.0) return 0.0;
  if (p == 1.0) return 1.0;
  // P(X >= x) = I_p(x, n - x + 1).
  return boost::math::ibeta(Real(x), Real(n - x) + 1, p, QuietMathPolicy());
}

double BinomialTwoSidedPValue(int64_t x, int64_t n, double p) {
  if (n == 0) return 1.0;
  if (p == 0.0) return x == 0 ? 1.0 : 0.0;
  if (p == 1.0) return x == n ? 1.0 : 0.0;
  constexpr double kRelativeSlack = 1 + 1e-7;
  const double threshold = BinomialPmf(x, n, p) * kRelativeSlack;
  const double mean = Real(n) * p;
  const double dx = Real(x);
  if (dx == mean) return 1.0;
  double p_value;
  if (dx < mean) {
    // Outcomes at or above the mean no more likely than x form a suffix
    // [first, n], because the mass does not increase to the right of the mean.
    int64_t first = static_cast<int64_t>(std::ceil(mean));
    int64_t last = n + 1;
    while (first < last) {
      const int64_t mid = first + (last - first) / 2;
      if (BinomialPmf(mid, n, p) <= threshold) {
        last = mid;
      } else {
        first = mid + 1;
      }
    }
    p_value = BinomialLowerTail(x, n, p) + (first <= n ? BinomialUpperTail(first, n, p) : 0.0);
  } else {
    // Outcomes at or below the mean no more likely than x form a prefix [0, end).
    int64_t begin = 0;
    int64_t end = static_cast<int64_t>(std::floor(mean)) + 1;
    while (begin < end) {
      const int64_t mid = begin + (end - begin) / 2;
      if (BinomialPmf(mid, n, p) <= threshold) {
        begin = mid + 1;
      } else {
        end = mid;
      }
    }
    p_value = (begin > 0 ? BinomialLowerTail(begin - 1, n, p) : 0.0) + BinomialUpperTail(x, n, p);
  }
  return std::min(1.0, p_value);
}

Interval ClopperPearson(int64_t x, int64_t n, double confidence_level) {
  const double alpha = (1.0 - confidence_level) / 2.0;
  Interval interval{0.0, 1.0};
  // The lower end solves P(X >= x | p) = alpha, the upper P(X <= x | p) = alpha:
  // quantiles of Beta(x, n - x + 1) and Beta(x + 1, n - x).
  if (x > 0) {
    interval.lower = boost::math::ibeta_inv(Real(x), Real(n - x) + 1, alpha, QuietMathPolicy());
  }
  if (x < n) {
    interval.upper = boost::math::ibetac_inv(Real(x) + 1, Real(n - x), alpha, QuietMathPolicy());
  }
  return interval;
}

}  // namespace kanarya::analysis
