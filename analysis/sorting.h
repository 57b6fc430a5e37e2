// Ascending sort of doubles, the first step of every rank-based test: a
// least-significant-digit radix sort on the order-preserving bit pattern of
// each value, O(n) with digit passes skipped where all keys agree; small
// inputs use std::sort. -0.0 sorts before +0.0, which compare equal anyway.
// Requires no NaN. Pure; thread-safe.
#ifndef KANARYA_ANALYSIS_SORTING_H_
#define KANARYA_ANALYSIS_SORTING_H_

#include <vector>

namespace kanarya::analysis {

void SortAscending(std::vector<double>& values);

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_SORTING_H_
