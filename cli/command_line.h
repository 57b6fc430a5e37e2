// kanaryactl's command line: the flags every verb shares (--server, -o,
// --request_timeout, the credentials) and how each command group registers
// its verbs with CLI11. A verb's callback stores its exit code in the shared
// `exit_code`.
#ifndef KANARYA_CLI_COMMAND_LINE_H_
#define KANARYA_CLI_COMMAND_LINE_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <string>

#include "cli/client_credentials.h"
#include "cli/rpc_client.h"

namespace kanarya::cli {

struct GlobalFlags {
  std::string server = kDefaultServer;
  std::string output = "table";
  std::string request_timeout = "10s";
  CredentialFlags credentials;
};

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags);

// Runs `verb` with the options the flags (and KANARYA_TOKEN) describe, or
// returns 2 with a message naming the bad flag.
int WithClientOptions(const GlobalFlags& flags, std::ostream& err,
                      const std::function<int(const ClientOptions&)>& verb);

// The command groups, one file each.
void AddDocumentCommands(CLI::App& app, int& exit_code);
void AddRolloutCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddWatchCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddActionCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code);
void AddBackupCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code);
// Need no daemon: they read kanaryad's configuration for the providers
// (replay -f, a recorded timeline, needs neither).
void AddCheckCommand(CLI::App& app, int& exit_code);
void AddReplayCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_COMMAND_LINE_H_
