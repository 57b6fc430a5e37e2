// kanaryactl: the command-line client of Kanarya.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/command_line.h"
#include "cli/exit_codes.h"

namespace {

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"kanaryactl: canary analysis and rollout control for Kanarya"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the verb

  kanarya::cli::GlobalFlags flags;
  kanarya::cli::AddGlobalFlags(app, flags);
  int exit_code = kanarya::cli::kExitUsage;
  kanarya::cli::AddDocumentCommands(app, exit_code);
  kanarya::cli::AddRolloutCommands(app, flags, exit_code);
  kanarya::cli::AddWatchCommands(app, flags, exit_code);
  kanarya::cli::AddActionCommands(app, flags, exit_code);
  kanarya::cli::AddBackupCommand(app, flags, exit_code);
  kanarya::cli::AddCheckCommand(app, exit_code);
  kanarya::cli::AddReplayCommand(app, flags, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kanarya::cli::kExitOk : kanarya::cli::kExitUsage;
  }
  return exit_code;
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
