#include "tests/e2e/kanaryad_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <utility>
#include <vector>

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
                                         "--http_address=127.0.0.1:0",
                                         "--data_dir=" + data_dir_, "--config=" + config_file_};
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

  // A fresh channel per run, retrying its connection every 100 ms at most:
  // a channel that saw the old process die would back off for seconds.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                       grpc::InsecureChannelCredentials(), arguments);
  auto health = grpc::health::v1::Health::NewStub(channel_);
  const absl::Time give_up = absl::Now() + deadline;
  while (absl::Now() < give_up) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("kanaryad exited; see ", log_file_));
    }
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Kill();
  return absl::DeadlineExceededError(
      absl::StrCat("kanaryad did not serve in ", absl::FormatDuration(deadline), "; see ",
                   log_file_));
}

void KanaryadProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace kanarya::e2e
