// Test equipment: runs a command-line tool (kanaryactl, kubectl, buf) as a
// child process, as a person at a terminal would, and returns its exit code
// and everything it printed. The child is killed after `deadline`. Never
// product code.
#ifndef KANARYA_TESTS_E2E_COMMAND_RUNNER_H_
#define KANARYA_TESTS_E2E_COMMAND_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kanarya::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // standard output, then standard error
};

// `environment` entries (NAME=VALUE) are added to the test's environment.
// An error only when the command cannot be started or outlives `deadline`.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& environment = {},
                                         absl::Duration deadline = absl::Seconds(30),
                                         const std::string& standard_input = "");

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_COMMAND_RUNNER_H_
