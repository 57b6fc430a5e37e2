// `kanaryad restore --from FILE --data_dir DIR [--force]`: places a backup
// taken with `kanaryactl backup` as the state database of DIR, after
// checking it (store::RestoreStateDatabase). Exit codes: 0 restored; 1 the
// file was refused (not a database, a failed integrity check, an unknown or
// newer schema version) or could not be placed; 2 bad flags, or a data
// directory that is not empty without --force. Messages go to stderr, the
// outcome to stdout.
#ifndef KANARYA_DAEMON_RESTORE_COMMAND_H_
#define KANARYA_DAEMON_RESTORE_COMMAND_H_

#include <CLI/CLI.hpp>
#include <string>

namespace kanarya {

struct RestoreFlags {
  std::string from;
  std::string data_dir;
  bool force = false;
};

// Registers the `restore` subcommand on kanaryad's command line.
CLI::App* AddRestoreCommand(CLI::App& app, RestoreFlags& flags);

// Runs it; returns the exit code.
int RunRestore(const RestoreFlags& flags);

}  // namespace kanarya

#endif  // KANARYA_DAEMON_RESTORE_COMMAND_H_
