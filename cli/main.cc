// kanaryactl: the command-line client of Kanarya.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "cli/exit_codes.h"
#include "cli/judge_command.h"
#include "cli/message_io.h"

int main(int argc, char** argv) {
  CLI::App app{"kanaryactl: canary analysis and rollout control for Kanarya"};
  app.require_subcommand(1);

  std::string judge_file;
  CLI::App* judge = app.add_subcommand(
      "judge", "Compare a canary with its baseline: JudgeRequest (JSON or YAML) in, JSON out");
  judge->add_option("-f,--file", judge_file, "Request file, or - for standard input")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kanarya::cli::kExitOk : kanarya::cli::kExitUsage;
  }

  if (judge->parsed()) {
    absl::StatusOr<std::string> document = kanarya::cli::ReadInput(judge_file);
    if (!document.ok()) {
      std::cerr << "kanaryactl judge: " << document.status().message() << "\n";
      return kanarya::cli::kExitUsage;
    }
    return kanarya::cli::RunJudge(*document, std::cout, std::cerr);
  }
  return kanarya::cli::kExitUsage;
}
