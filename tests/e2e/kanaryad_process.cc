#include "tests/e2e/kanaryad_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/lab/prometheus_server.h"

extern char** environ;

namespace kanarya::e2e {

KanaryadProcess::KanaryadProcess(std::string binary, std::string data_dir, std::string config_file,
                                 std::string log_file)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      config_file_(std::move(config_file)),
      log_file_(std::move(log_file)),
      port_(lab::FreeLoopbackPort()) {}

KanaryadProcess::~KanaryadProcess() { Kill(); }

absl::Status KanaryadProcess::Start(absl::Duration deadline) {
  if (pid_ > 0) return absl::FailedPreconditionError("kanaryad is running already");
  const std::vector<std::string> argv = {binary_, absl::StrCat("--grpc_address=127.0.0.1:", port_),
                                         "--http_address=127.0.0.1:0", "--data_dir=" + data_dir_,
                                         "--config=" + config_file_};
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  const int spawned = posix_spawn(&pid_, binary_.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    return absl::InternalError(absl::StrCat("cannot start ", binary_));
  }

  // The daemon logs its "serving" line once it listens; polling its log is
  // quicker than a gRPC channel's reconnection backoff. Then a fresh channel
  // (one that saw the old process die would back off for seconds) waits for
  // the health service.
  const absl::Time give_up = absl::Now() + deadline;
  while (ServingLines() < runs_ + 1) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("kanaryad exited; see ", log_file_));
    }
    if (absl::Now() >= give_up) {
      Kill();
      return absl::DeadlineExceededError(absl::StrCat(
          "kanaryad did not serve in ", absl::FormatDuration(deadline), "; see ", log_file_));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ++runs_;
  channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  context.set_deadline(absl::ToChronoTime(std::max(give_up, absl::Now() + absl::Seconds(1))));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status checked =
      grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response);
  if (checked.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::OkStatus();
  }
  Kill();
  return absl::UnavailableError(
      absl::StrCat("kanaryad's health check failed: ", checked.error_message()));
}

std::string KanaryadProcess::address() const { return absl::StrCat("127.0.0.1:", port_); }

int KanaryadProcess::ServingLines() const {
  std::ifstream log(log_file_);
  int lines = 0;
  for (std::string line; std::getline(log, line);) {
    if (absl::StrContains(line, "kanaryad: serving gRPC on")) ++lines;
  }
  return lines;
}

void KanaryadProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace kanarya::e2e
