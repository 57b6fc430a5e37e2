// kanaryactl replay, in two forms:
//   replay -f TIMELINE   a recorded timeline (ReplayRequest) through the
//                        sequential analysis (document_commands.h)
//   replay --spec SPEC --from T1 [--to T2] --config FILE [--approve_gates]
//                        a backtest: the rollout engine runs the spec from T1
//                        on a virtual clock against the history both scopes
//                        left in the configured providers (daemon/backtest),
//                        and the timeline and the decision are printed (-o
//                        table, json or yaml).
// Exit codes: 0 the backtest ran (whatever it decided); 2 bad flags, spec or
// time range, with a message naming the field; 4 a provider could not be
// reached; 1 anything else (the message says what).
#ifndef KANARYA_CLI_REPLAY_COMMAND_H_
#define KANARYA_CLI_REPLAY_COMMAND_H_

#include <map>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/output_format.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::cli {

// "now"; a time ago: "-2h", "-90m", "-1d", "now-1d12h" (a day is 24 h); or
// RFC 3339: "2026-11-24T09:00:00Z", "2026-11-24T11:00:00+02:00". Truncated
// to whole seconds. InvalidArgument naming `flag` otherwise.
absl::StatusOr<absl::Time> ParseTimeFlag(const std::string& flag, const std::string& text,
                                         absl::Time now);

struct BacktestFlags {
  std::string from;
  std::string to = "now";
  bool approve_gates = false;
  OutputFormat output = OutputFormat::kTable;
};

// The backtest of the spec in `spec_document` against `providers` (by name;
// they must outlive the call); `now` resolves relative times.
int RunBacktestCommand(const std::string& spec_document, const BacktestFlags& flags,
                       const std::map<std::string, metrics::MetricProvider*>& providers,
                       absl::Time now, std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_REPLAY_COMMAND_H_
