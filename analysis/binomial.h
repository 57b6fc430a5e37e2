// The binomial distribution: probability mass, tails, R's two-sided exact test
// (binom.test) and Clopper-Pearson bounds, from Boost.Math's incomplete beta
// function and its inverse: relative accuracy near 1e-14 deep into the tails,
// O(1) per tail and O(log n) per p-value for any n up to 2^53. Never throws;
// pure functions; thread-safe.
#ifndef KANARYA_ANALYSIS_BINOMIAL_H_
#define KANARYA_ANALYSIS_BINOMIAL_H_

#include <cstdint>

#include "analysis/interval.h"

namespace kanarya::analysis {

// P(X = x) for X ~ Binomial(n, p). Requires 0 <= p <= 1, n >= 0.
double BinomialPmf(int64_t x, int64_t n, double p);

// P(X <= x) and P(X >= x).
double BinomialLowerTail(int64_t x, int64_t n, double p);
double BinomialUpperTail(int64_t x, int64_t n, double p);

// Two-sided p-value of observing x successes out of n under success
// probability p, by R's binom.test rule: the probability of all outcomes no
// more likely than x (with relative slack 1e-7). 1 when n == 0.
double BinomialTwoSidedPValue(int64_t x, int64_t n, double p);

// Exact (Clopper-Pearson) interval for the success probability after x
// successes out of n, at the two-sided confidence level; [0, 1] when n == 0.
Interval ClopperPearson(int64_t x, int64_t n, double confidence_level);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_BINOMIAL_H_
