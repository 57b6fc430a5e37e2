// kanaryactl: the command-line client of Kanarya.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>

#include "cli/document_commands.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"

namespace {

using DocumentCommand = int (*)(const std::string&, std::ostream&, std::ostream&);

int RunOnFile(const std::string& name, const std::string& path, DocumentCommand command) {
  absl::StatusOr<std::string> document = kanarya::cli::ReadInput(path);
  if (!document.ok()) {
    std::cerr << "kanaryactl " << name << ": " << document.status().message() << "\n";
    return kanarya::cli::kExitUsage;
  }
  return command(*document, std::cout, std::cerr);
}

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"kanaryactl: canary analysis and rollout control for Kanarya"};
  app.require_subcommand(1);

  std::string judge_file;
  CLI::App* judge = app.add_subcommand(
      "judge", "Compare a canary with its baseline once: JudgeRequest (JSON or YAML) in, JSON out");
  judge->add_option("-f,--file", judge_file, "Request file, or - for standard input")->required();

  std::string replay_file;
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Backtest an analysis on a recorded timeline: ReplayRequest (JSON or YAML) in, JSON out");
  replay->add_option("-f,--file", replay_file, "Request file, or - for standard input")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kanarya::cli::kExitOk : kanarya::cli::kExitUsage;
  }
  if (judge->parsed()) return RunOnFile("judge", judge_file, &kanarya::cli::RunJudge);
  if (replay->parsed()) return RunOnFile("replay", replay_file, &kanarya::cli::RunReplay);
  return kanarya::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Parsers contain their own exceptions; what remains (out of memory, a
  // closed stdout) ends the run with a message rather than an abort.
  try {
    return RunCommandLine(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kanaryactl: " << e.what() << "\n";
    return kanarya::cli::kExitFailure;
  }
}
