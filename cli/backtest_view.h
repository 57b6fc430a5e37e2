// A backtest's report for people: a header with the range and the caveat
// that traffic weights do not change the recorded history, one row per
// metric per analysed tick (what the history gave, the test's state and
// statistics), the rollout's other events, then the decision in one line.
// Pure; thread-safe.
#ifndef KANARYA_CLI_BACKTEST_VIEW_H_
#define KANARYA_CLI_BACKTEST_VIEW_H_

#include <ostream>
#include <string>

#include "kanarya/v1/backtest.pb.h"

namespace kanarya::cli {

// "promoted at T", "rolled back at T because errors: REASON", "failed at T:
// REASON", "still running at T (PAUSED: REASON)".
std::string DecisionLine(const v1::BacktestReport& report);

void PrintBacktest(const v1::BacktestReport& report, std::ostream& out);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_BACKTEST_VIEW_H_
