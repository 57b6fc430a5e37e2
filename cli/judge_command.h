// `kanaryactl judge`: reads a JudgeRequest (JSON or YAML) and prints the
// JudgeResponse as JSON. Returns the process exit code: 0 when judged, 2 when
// the input is unreadable or invalid (the message names the field).
#ifndef KANARYA_CLI_JUDGE_COMMAND_H_
#define KANARYA_CLI_JUDGE_COMMAND_H_

#include <ostream>
#include <string>

namespace kanarya::cli {

int RunJudge(const std::string& document, std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_JUDGE_COMMAND_H_
