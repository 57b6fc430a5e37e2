// The subcommands that read one API message and print another: `kanaryactl
// judge` (JudgeRequest -> JudgeResponse) and `kanaryactl replay`
// (ReplayRequest -> ReplayResponse). Input is JSON or YAML, output JSON with
// every field. Each returns the exit code: 0 when done, 2 when the input is
// unreadable or invalid, with a message on `err` that names the field.
#ifndef KANARYA_CLI_DOCUMENT_COMMANDS_H_
#define KANARYA_CLI_DOCUMENT_COMMANDS_H_

#include <ostream>
#include <string>

namespace kanarya::cli {

int RunJudge(const std::string& document, std::ostream& out, std::ostream& err);
int RunReplay(const std::string& document, std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_DOCUMENT_COMMANDS_H_
