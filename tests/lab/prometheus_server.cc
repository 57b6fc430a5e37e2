#include "tests/lab/prometheus_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace kanarya::lab {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool bound = fd >= 0 &&
                     bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

absl::StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    const std::string& openmetrics, const std::string& scrape_target,
    absl::Duration scrape_interval, const std::vector<std::string>& features) {
  std::string pattern = (std::filesystem::temp_directory_path() / "kanarya-prometheus-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  const std::string directory = pattern;
  std::ofstream(directory + "/data.om") << openmetrics;
  std::ofstream config(directory + "/prometheus.yml");
  if (scrape_target.empty()) {
    config << "global: {}\n";
  } else {
    config << "global: {scrape_interval: " << absl::ToInt64Seconds(scrape_interval)
           << "s}\nscrape_configs:\n  - job_name: exporter\n"
           << "    static_configs: [{targets: ['" << scrape_target << "']}]\n";
  }
  config.close();
  const pid_t promtool = Spawn({"promtool", "tsdb", "create-blocks-from", "openmetrics",
                                directory + "/data.om", directory + "/tsdb"},
                               directory + "/promtool.log");
  int status = 0;
  if (promtool < 0 || waitpid(promtool, &status, 0) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("promtool failed; see ", directory, "/promtool.log"));
  }
  std::unique_ptr<PrometheusServer> server(
      new PrometheusServer(directory, FreeLoopbackPort(), features));
  if (absl::Status s = server->Launch(); !s.ok()) return s;
  return server;
}

absl::Status PrometheusServer::Launch() {
  std::vector<std::string> argv = {"prometheus", "--config.file=" + directory_ + "/prometheus.yml",
                                   "--storage.tsdb.path=" + directory_ + "/tsdb",
                                   absl::StrCat("--web.listen-address=127.0.0.1:", port_)};
  for (const std::string& feature : features_) argv.push_back("--enable-feature=" + feature);
  pid_ = Spawn(argv, directory_ + "/prometheus.log");
  if (pid_ < 0) return absl::InternalError("cannot start prometheus");
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(1);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (auto response = client.Get("/-/ready"); response && response->status == 200) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("prometheus not ready in 30 s; see ", directory_, "/prometheus.log"));
}

void PrometheusServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status PrometheusServer::Restart() {
  Kill();
  return Launch();
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string PrometheusServer::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

}  // namespace kanarya::lab
