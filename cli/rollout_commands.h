// kanaryactl apply, get, list, describe: create a rollout from a spec file
// and read rollouts back. Each returns the exit code (exit_codes.h) and
// writes results on `out`, problems on `err`.
#ifndef KANARYA_CLI_ROLLOUT_COMMANDS_H_
#define KANARYA_CLI_ROLLOUT_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "cli/rpc_client.h"

namespace kanarya::cli {

struct ApplyFlags {
  bool supersede = false;
  std::string reason;
};
// `document`: a RolloutSpec as YAML or JSON.
int RunApply(const ClientOptions& options, const std::string& document, const ApplyFlags& flags,
             std::ostream& out, std::ostream& err);

int RunGet(const ClientOptions& options, const std::string& name, std::ostream& out,
           std::ostream& err);

struct ListFlags {
  std::string namespace_name;
  std::string virtual_service;
  std::vector<std::string> phases;  // "PROGRESSING" or "PHASE_PROGRESSING"
};
// Every page, up to 100 000 rollouts.
int RunList(const ClientOptions& options, const ListFlags& flags, std::ostream& out,
            std::ostream& err);

int RunDescribe(const ClientOptions& options, const std::string& name, int event_limit,
                std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_ROLLOUT_COMMANDS_H_
