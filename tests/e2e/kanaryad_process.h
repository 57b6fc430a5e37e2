// Test equipment: the real kanaryad binary as a child process on a fixed
// loopback gRPC port with a given data directory and configuration, killed
// with SIGKILL and started again on the same port and data, as a crash and a
// supervisor's restart would. Not thread-safe; never product code.
#ifndef KANARYA_TESTS_E2E_KANARYAD_PROCESS_H_
#define KANARYA_TESTS_E2E_KANARYAD_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace kanarya::e2e {

class KanaryadProcess {
 public:
  // Logs of every run are appended to `log_file`.
  KanaryadProcess(std::string binary, std::string data_dir, std::string config_file,
                  std::string log_file);
  ~KanaryadProcess();  // SIGKILLs a running daemon

  // Starts the daemon; returns once grpc.health.v1 answers SERVING, or an
  // error after `deadline` (the process is then killed) or when it exits.
  // `log_file` must not be shared with another process.
  absl::Status Start(absl::Duration deadline);
  // SIGKILL, then reaps the process.
  void Kill();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // The running daemon's process id; -1 when it is not running.
  pid_t pid() const { return pid_; }
  // Where it serves gRPC: 127.0.0.1:PORT.
  std::string address() const;

 private:
  const std::string binary_;
  const std::string data_dir_;
  const std::string config_file_;
  const std::string log_file_;
  const int port_;
  int ServingLines() const;  // "serving" lines in the log: runs that came up

  std::shared_ptr<grpc::Channel> channel_;
  pid_t pid_ = -1;
  int runs_ = 0;  // runs that came up
};

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_KANARYAD_PROCESS_H_
