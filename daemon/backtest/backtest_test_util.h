// Test support: comparing two backtest reports of the same rollout.
#ifndef KANARYA_DAEMON_BACKTEST_BACKTEST_TEST_UTIL_H_
#define KANARYA_DAEMON_BACKTEST_BACKTEST_TEST_UTIL_H_

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "kanarya/v1/backtest.pb.h"

namespace kanarya::backtest {

// The report without what differs between two runs of the same rollout:
// the rollout's random name and the number of queries sent.
inline v1::BacktestReport Comparable(v1::BacktestReport report) {
  report.clear_queries_sent();
  for (v1::RolloutEvent& event : *report.mutable_events()) event.clear_rollout();
  return report;
}

// Every tick, statistic, event and the outcome equal.
inline void ExpectSameRun(const v1::BacktestReport& a, const v1::BacktestReport& b) {
  EXPECT_EQ(a.ticks_size(), b.ticks_size());
  google::protobuf::util::MessageDifferencer differencer;
  std::string differences;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(Comparable(a), Comparable(b))) << differences;
}

}  // namespace kanarya::backtest

#endif  // KANARYA_DAEMON_BACKTEST_BACKTEST_TEST_UTIL_H_
