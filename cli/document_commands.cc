#include "cli/document_commands.h"

#include <iostream>
#include <string_view>

#include "absl/status/statusor.h"
#include "analysis/judge.h"
#include "analysis/replay.h"
#include "cli/command_line.h"
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

void AddDocumentCommands(CLI::App& app, int& exit_code) {
  using DocumentCommand = int (*)(const std::string&, std::ostream&, std::ostream&);
  auto add = [&](const std::string& name, const std::string& description, DocumentCommand command) {
    CLI::App* verb = app.add_subcommand(name, description);
    auto file = std::make_shared<std::string>();
    verb->add_option("-f,--file", *file, "Request file, or - for standard input")->required();
    verb->callback([name, file, command, &exit_code] {
      absl::StatusOr<std::string> document = ReadInput(*file);
      if (!document.ok()) {
        std::cerr << "kanaryactl " << name << ": " << document.status().message() << "\n";
        exit_code = kExitUsage;
        return;
      }
      exit_code = command(*document, std::cout, std::cerr);
    });
  };
  add("judge", "Compare a canary with its baseline once: JudgeRequest (JSON or YAML) in, JSON out",
      &RunJudge);
  add("replay",
      "Backtest an analysis on a recorded timeline: ReplayRequest (JSON or YAML) in, JSON out",
      &RunReplay);
}

}  // namespace kanarya::cli
