// A backtest: what a rollout spec would have done over [from, to] of the
// past. The spec is validated against the configured providers, the history
// of both scopes is read from them at the tick resolution (history_reader.h),
// and the rollout engine runs the spec on a virtual clock from `from` against
// that history, with an in-memory store and a router that moves no traffic
// (nothing in a cluster is touched), until the rollout finishes or `to`.
// Traffic weights do not change the recorded history (the report says so).
// Errors: InvalidArgument naming the spec's field or the command's flag
// (--from, --to); Unavailable or DeadlineExceeded naming the provider that
// could not be read. Thread-compatible; the providers must outlive the call.
#ifndef KANARYA_DAEMON_BACKTEST_BACKTEST_H_
#define KANARYA_DAEMON_BACKTEST_BACKTEST_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/backtest/history_reader.h"
#include "daemon/metrics/metric_provider.h"
#include "kanarya/v1/backtest.pb.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::backtest {

struct BacktestOptions {
  absl::Time from;  // the rollout is created, and its preflight runs, here
  absl::Time to;
  // `to` may not be later: the future has no history (InfiniteFuture: not checked).
  absl::Time now = absl::InfiniteFuture();
  // Approve each manual gate as it is reached; otherwise the rollout waits at
  // it as for a human (a regression still rolls it back meanwhile).
  bool approve_gates = false;
  // The longest backtest, in ticks (memory and time grow with it).
  int max_ticks = 50'000;
  ReadLimits limits;
};

absl::StatusOr<v1::BacktestReport> RunBacktest(
    const v1::RolloutSpec& spec, const std::map<std::string, metrics::MetricProvider*>& providers,
    const BacktestOptions& options);

// RunBacktest's second half, for a spec and range it accepted: the engine on
// a virtual clock from options.from, asking `providers` what it asks live —
// the recorded history, or (to compare a backtest with a live run) a real
// provider holding the past, queried tick by tick. queries_sent is not set.
absl::StatusOr<v1::BacktestReport> RunOnVirtualClock(
    const v1::RolloutSpec& valid_spec,
    const std::map<std::string, metrics::MetricProvider*>& providers,
    const BacktestOptions& options);

}  // namespace kanarya::backtest

#endif  // KANARYA_DAEMON_BACKTEST_BACKTEST_H_
