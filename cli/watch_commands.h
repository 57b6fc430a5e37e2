// kanaryactl watch and wait: follow a rollout's event stream. `watch` prints
// each event (a redrawn view on a terminal, plain lines otherwise) until the
// rollout finishes or the user interrupts; `wait` blocks until a final phase
// and says how it ended in its exit code: 0 succeeded, 1 rolled back,
// aborted or failed, 3 --timeout reached, 4 the daemon unreachable. Both
// reconnect after a stream breaks (a daemon restarting), resuming after the
// last event they saw.
#ifndef KANARYA_CLI_WATCH_COMMANDS_H_
#define KANARYA_CLI_WATCH_COMMANDS_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "cli/rpc_client.h"

namespace kanarya::cli {

int RunWatch(const ClientOptions& options, const std::string& name, int64_t after_sequence,
             bool live_view, std::ostream& out, std::ostream& err);

int RunWait(const ClientOptions& options, const std::string& name, absl::Duration timeout,
            std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_WATCH_COMMANDS_H_
