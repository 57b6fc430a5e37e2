#include "analysis/binomial.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace kanarya::analysis {
namespace {

// log(x!) - log(sqrt(2 pi x) (x/e)^x): the error of Stirling's formula.
double StirlingError(double x) {
  if (x <= 15.0) {
    const long double lx = x;
    return static_cast<double>(std::lgamma(lx + 1.0L) - (lx + 0.5L) * std::log(lx) + lx -
                               0.5L * std::log(2.0L * std::numbers::pi_v<long double>));
  }
  // Asymptotic series 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7) + 1/(1188x^9).
  constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
  const double xx = x * x;
  if (x > 500) return (s0 - s1 / xx) / x;
  if (x > 80) return (s0 - (s1 - s2 / xx) / xx) / x;
  if (x > 35) return (s0 - (s1 - (s2 - s3 / xx) / xx) / xx) / x;
  return (s0 - (s1 - (s2 - (s3 - s4 / xx) / xx) / xx) / xx) / x;
}

// x log(x / np) + np - x, without cancellation when x is close to np.
double DevianceTerm(double x, double np) {
  if (std::fabs(x - np) < 0.1 * (x + np)) {
    const double v = (x - np) / (x + np);
    double sum = (x - np) * v;
    double term = 2.0 * x * v;
    const double v2 = v * v;
    for (int j = 1; j < 1000; ++j) {
      term *= v2;
      const double next = sum + term / (2 * j + 1);
      if (next == sum) return next;
      sum = next;
    }
    return sum;
  }
  return x * std::log(x / np) + np - x;
}

// Sums the tail of the mass function starting at `from` and moving away from
// the mode (step -1 or +1); the terms shrink geometrically past the mode.
double SumTailFrom(int64_t from, int64_t n, double p, int step) {
  double term = BinomialPmf(from, n, p);
  if (term == 0.0) return 0.0;
  const double odds = p / (1.0 - p);
  double sum = 0.0;
  for (int64_t i = from; i >= 0 && i <= n; i += step) {
    sum += term;
    // Ratio of P(X = i + step) to P(X = i).
    const double ratio = step > 0
                             ? (static_cast<double>(n - i) / static_cast<double>(i + 1)) * odds
                             : (static_cast<double>(i) / static_cast<double>(n - i + 1)) / odds;
    term *= ratio;
    if (term <= sum * 1e-17) break;
  }
  return sum;
}

}  // namespace

double BinomialPmf(int64_t x, int64_t n, double p) {
  if (x < 0 || x > n) return 0.0;
  const double q = 1.0 - p;
  if (p == 0.0) return x == 0 ? 1.0 : 0.0;
  if (q == 0.0) return x == n ? 1.0 : 0.0;
  const double dn = static_cast<double>(n);
  const double dx = static_cast<double>(x);
  if (x == 0) {
    return std::exp(p < 0.1 ? -DevianceTerm(dn, dn * q) - dn * p : dn * std::log(q));
  }
  if (x == n) {
    return std::exp(q < 0.1 ? -DevianceTerm(dn, dn * p) - dn * q : dn * std::log(p));
  }
  const double log_core = StirlingError(dn) - StirlingError(dx) - StirlingError(dn - dx) -
                          DevianceTerm(dx, dn * p) - DevianceTerm(dn - dx, dn * q);
  const double log_scale = std::log(2.0 * std::numbers::pi) + std::log(dx) + std::log1p(-dx / dn);
  return std::exp(log_core - 0.5 * log_scale);
}

double BinomialLowerTail(int64_t x, int64_t n, double p) {
  if (x < 0) return 0.0;
  if (x >= n) return 1.0;
  // Sum whichever tail lies beyond the mean; the other is its complement.
  if (static_cast<double>(x) < static_cast<double>(n) * p) return SumTailFrom(x, n, p, -1);
  return 1.0 - SumTailFrom(x + 1, n, p, +1);
}

double BinomialUpperTail(int64_t x, int64_t n, double p) {
  if (x <= 0) return 1.0;
  if (x > n) return 0.0;
  if (static_cast<double>(x) > static_cast<double>(n) * p) return SumTailFrom(x, n, p, +1);
  return 1.0 - SumTailFrom(x - 1, n, p, -1);
}

double BinomialTwoSidedPValue(int64_t x, int64_t n, double p) {
  if (n == 0) return 1.0;
  if (p == 0.0) return x == 0 ? 1.0 : 0.0;
  if (p == 1.0) return x == n ? 1.0 : 0.0;
  constexpr double kRelativeSlack = 1 + 1e-7;
  const double threshold = BinomialPmf(x, n, p) * kRelativeSlack;
  const double mean = static_cast<double>(n) * p;
  const double dx = static_cast<double>(x);
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

namespace {

// The p in (0, 1) where the increasing function tail(p) equals target, by
// bisection down to adjacent doubles.
template <typename IncreasingTail>
double SolveIncreasing(IncreasingTail tail, double target) {
  double low = 0.0;
  double high = 1.0;
  for (int i = 0; i < 2000; ++i) {
    const double mid = 0.5 * (low + high);
    if (mid <= low || mid >= high) break;
    if (tail(mid) < target) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return 0.5 * (low + high);
}

}  // namespace

ProportionInterval ClopperPearson(int64_t x, int64_t n, double confidence_level) {
  const double alpha = (1.0 - confidence_level) / 2.0;
  ProportionInterval interval{0.0, 1.0};
  if (x > 0) {
    interval.lower = SolveIncreasing([&](double p) { return BinomialUpperTail(x, n, p); }, alpha);
  }
  if (x < n) {
    // P(X <= x) decreases in p, so solve on its complement.
    interval.upper = SolveIncreasing([&](double p) { return -BinomialLowerTail(x, n, p); }, -alpha);
  }
  return interval;
}

}  // namespace kanarya::analysis
