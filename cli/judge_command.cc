#include "cli/judge_command.h"

#include "analysis/judge.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"

namespace kanarya::cli {

int RunJudge(const std::string& document, std::ostream& out, std::ostream& err) {
  v1::JudgeRequest request;
  if (absl::Status status = ParseDocument(document, request); !status.ok()) {
    err << "kanaryactl judge: " << status.message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::JudgeResponse> response = analysis::Judge(request);
  if (!response.ok()) {
    err << "kanaryactl judge: " << response.status().message() << "\n";
    return kExitUsage;
  }
  out << PrintJson(*response);
  return kExitOk;
}

}  // namespace kanarya::cli
