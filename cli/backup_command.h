// kanaryactl backup --to FILE: streams an online backup of the daemon's
// state database (BackupService) into FILE, atomically: into a temporary
// file beside it, checked against the header's size and SHA-256 and by
// PRAGMA integrity_check and its schema version, synced, then renamed over
// FILE (an existing FILE is replaced only by a good backup). Exit codes
// (exit_codes.h): 0 written; 1 refused by the daemon or a backup that
// fails its checks (nothing written); 2 bad flags or FILE's directory not
// writable; 4 daemon unreachable.
#ifndef KANARYA_CLI_BACKUP_COMMAND_H_
#define KANARYA_CLI_BACKUP_COMMAND_H_

#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "cli/rpc_client.h"

namespace kanarya::cli {

// `timeout` bounds the whole backup (the snapshot and its transfer).
int RunBackup(const ClientOptions& options, const std::string& path, absl::Duration timeout,
              std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_BACKUP_COMMAND_H_
