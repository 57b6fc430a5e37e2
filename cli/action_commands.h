// kanaryactl pause, resume, promote [--full], abort, approve, retry: one
// mutating call each, with --reason for the event log; prints the rollout
// the daemon returns. Returns the exit code (exit_codes.h).
#ifndef KANARYA_CLI_ACTION_COMMANDS_H_
#define KANARYA_CLI_ACTION_COMMANDS_H_

#include <ostream>
#include <string>

#include "cli/rpc_client.h"

namespace kanarya::cli {

enum class Action { kPause, kResume, kPromote, kAbort, kApprove, kRetry };

struct ActionFlags {
  std::string reason;
  bool full = false;  // promote only: skip the remaining steps and analysis
};

int RunAction(const ClientOptions& options, Action action, const std::string& name,
              const ActionFlags& flags, std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_ACTION_COMMANDS_H_
