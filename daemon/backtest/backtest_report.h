// A backtest's report from the engine's record of the rollout it ran: the
// outcome and its time, the metrics that caused a rollback, one row per
// analysed tick (what the history gave, each metric's test after it), and
// the other events. Pure; thread-safe.
#ifndef KANARYA_DAEMON_BACKTEST_BACKTEST_REPORT_H_
#define KANARYA_DAEMON_BACKTEST_BACKTEST_REPORT_H_

#include <span>

#include "absl/time/time.h"
#include "daemon/spec/rollout_plan.h"
#include "kanarya/v1/backtest.pb.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::backtest {

// The caveat every report carries.
inline constexpr char kBacktestNote[] =
    "traffic weights do not change the recorded history: the canary served what it served at "
    "the time, so this shows when and why the analysis would have decided, not what other "
    "weights would have shown";

// `events` and `ticks`: the rollout's whole log and its stored ticks (the
// baseline's history among them is skipped), in order. `to`: when the
// backtest stopped a rollout that had not finished.
v1::BacktestReport MakeReport(const v1::Rollout& rollout, const spec::RolloutPlan& plan,
                              std::span<const v1::RolloutEvent> events,
                              std::span<const v1::Tick> ticks, absl::Time from, absl::Time to);

}  // namespace kanarya::backtest

#endif  // KANARYA_DAEMON_BACKTEST_BACKTEST_REPORT_H_
