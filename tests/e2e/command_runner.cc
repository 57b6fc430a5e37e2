#include "tests/e2e/command_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

extern char** environ;

namespace kanarya::e2e {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& environment,
                                         absl::Duration deadline,
                                         const std::string& standard_input) {
  std::string pattern = std::filesystem::temp_directory_path() / "kanarya-command-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  const std::string directory = pattern;
  const std::string in_file = directory + "/stdin", out_file = directory + "/stdout",
                    err_file = directory + "/stderr";
  std::ofstream(in_file) << standard_input;

  std::vector<std::string> env = environment;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);  // the given ones win
  std::vector<char*> envp, args;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  std::error_code ignored;
  if (spawned != 0) {
    std::filesystem::remove_all(directory, ignored);
    return absl::NotFoundError(absl::StrCat("cannot start ", argv[0]));
  }
  const absl::Time give_up = absl::Now() + deadline;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      std::filesystem::remove_all(directory, ignored);
      return absl::DeadlineExceededError(absl::StrCat(
          absl::StrJoin(argv, " "), ": still running after ", absl::FormatDuration(deadline)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = Slurp(out_file) + Slurp(err_file);
  std::filesystem::remove_all(directory, ignored);
  return result;
}

}  // namespace kanarya::e2e
