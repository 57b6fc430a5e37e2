#include "cli/command_line.h"

#include "absl/time/time.h"
#include "cli/exit_codes.h"

namespace kanarya::cli {

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--server", flags.server, "The daemon's gRPC address, HOST:PORT")
      ->capture_default_str()
      ->envname("KANARYA_SERVER");
  app.add_option("-o,--output", flags.output, "Output format")
      ->check(CLI::IsMember(OutputFormatNames()))
      ->capture_default_str();
  app.add_option("--request_timeout", flags.request_timeout,
                 "Deadline of each call to the daemon, e.g. 10s")
      ->capture_default_str();
}

int WithClientOptions(const GlobalFlags& flags, std::ostream& err,
                      const std::function<int(const ClientOptions&)>& verb) {
  ClientOptions options;
  options.server = flags.server;
  options.output = ParseOutputFormat(flags.output);
  if (!absl::ParseDuration(flags.request_timeout, &options.request_timeout) ||
      options.request_timeout <= absl::ZeroDuration()) {
    err << "kanaryactl: --request_timeout: must be a positive duration such as 10s, got \""
        << flags.request_timeout << "\"\n";
    return kExitUsage;
  }
  return verb(options);
}

}  // namespace kanarya::cli
