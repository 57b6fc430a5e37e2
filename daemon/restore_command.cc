#include "daemon/restore_command.h"

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "daemon/store/sqlite_backup.h"

namespace kanarya {
namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;

}  // namespace

CLI::App* AddRestoreCommand(CLI::App& app, RestoreFlags& flags) {
  CLI::App* restore = app.add_subcommand(
      "restore",
      "Place a backup (kanaryactl backup --to FILE) as the state database of --data_dir, after "
      "checking its integrity and schema version; then start kanaryad on that directory");
  restore->add_option("--from", flags.from, "The backup file")->required();
  restore->add_option("--data_dir", flags.data_dir, "The data directory to restore into (created)")
      ->required();
  restore->add_flag("--force", flags.force,
                    "Replace the state database of a data directory that is not empty (stop "
                    "kanaryad on it first)");
  return restore;
}

int RunRestore(const RestoreFlags& flags) {
  std::error_code error;
  if (!flags.force && std::filesystem::exists(flags.data_dir, error) &&
      (!std::filesystem::is_directory(flags.data_dir, error) ||
       !std::filesystem::is_empty(flags.data_dir, error))) {
    std::cerr << "kanaryad restore: --data_dir: " << flags.data_dir
              << " exists and is not an empty directory; pass --force to replace its state "
                 "database (stop kanaryad on it first)\n";
    return kExitUsage;
  }
  absl::StatusOr<store::StateDatabaseInfo> restored =
      store::RestoreStateDatabase(flags.from, flags.data_dir, flags.force);
  if (!restored.ok()) {
    std::cerr << "kanaryad restore: " << restored.status().message() << "\n";
    return kExitRefused;
  }
  std::cout << "restored " << flags.from << " into " << flags.data_dir << ": schema version "
            << restored->schema_version << ", " << restored->rollouts << " rollout(s), "
            << restored->unfinished_rollouts
            << " unfinished (kanaryad resumes them when it starts on this directory)\n";
  return 0;
}

}  // namespace kanarya
