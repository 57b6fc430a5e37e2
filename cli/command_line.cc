#include "cli/command_line.h"

#include <iostream>
#include <memory>

#include "absl/time/time.h"
#include "cli/document_commands.h"
#include "cli/exit_codes.h"
#include "cli/message_io.h"

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
}

}  // namespace kanarya::cli
