#include "cli/document_commands.h"

#include <string_view>

#include "absl/status/statusor.h"
#include "analysis/judge.h"
#include "analysis/replay.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"

namespace kanarya::cli {
namespace {

template <typename Request, typename Response>
int Run(std::string_view command, const std::string& document,
        absl::StatusOr<Response> (*handler)(const Request&), std::ostream& out, std::ostream& err) {
  Request request;
  if (absl::Status status = ParseDocument(document, request); !status.ok()) {
    err << "kanaryactl " << command << ": " << status.message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<Response> response = handler(request);
  if (!response.ok()) {
    err << "kanaryactl " << command << ": " << response.status().message() << "\n";
    return kExitUsage;
  }
  out << PrintJson(*response);
  return kExitOk;
}

}  // namespace

int RunJudge(const std::string& document, std::ostream& out, std::ostream& err) {
  return Run("judge", document, &analysis::Judge, out, err);
}

int RunReplay(const std::string& document, std::ostream& out, std::ostream& err) {
  return Run("replay", document, &analysis::Replay, out, err);
}

}  // namespace kanarya::cli
