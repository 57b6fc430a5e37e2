#include "cli/backup_command.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/command_line.h"
#include "cli/exit_codes.h"
#include "daemon/store/sha256.h"
#include "daemon/store/sqlite_backup.h"
#include "kanarya/v1/backup_service.grpc.pb.h"

namespace kanarya::cli {
namespace {

// A file being written: its descriptor, closed at the end of the scope.
class OutputFile {
 public:
  explicit OutputFile(int fd) : fd_(fd) {}
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() { Close(); }

  absl::Status Write(const std::string& bytes) {
    size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = write(fd_, bytes.data() + written, bytes.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return absl::FailedPreconditionError(std::strerror(errno));
      written += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }
  absl::Status SyncAndClose() {
    const int synced = fsync(fd_);
    const int error = errno;
    if (Close() != 0 || synced != 0) {
      return absl::FailedPreconditionError(std::strerror(synced != 0 ? error : errno));
    }
    return absl::OkStatus();
  }

 private:
  int Close() {
    if (fd_ < 0) return 0;
    const int closed = close(fd_);
    fd_ = -1;
    return closed;
  }
  int fd_;
};

void SyncDirectory(const std::filesystem::path& dir) {
  const int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // the rename is done; a failed directory sync is not worth failing it
  fsync(fd);
  close(fd);
}

}  // namespace

int RunBackup(const ClientOptions& options, const std::string& path, absl::Duration timeout,
              std::ostream& out, std::ostream& err) {
  const std::filesystem::path target(path);
  std::string temporary =
      (target.parent_path() / (target.filename().string() + ".partial-XXXXXX")).string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) {
    err << "kanaryactl backup: --to: cannot create a file beside " << path << ": "
        << std::strerror(errno) << "\n";
    return kExitUsage;
  }
  OutputFile file(fd);
  absl::Cleanup remove = [&temporary] {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
  };
  const auto refuse = [&](const std::string& why) {
    err << "kanaryactl backup: " << why << "; nothing written to " << path << "\n";
    return kExitFailure;
  };

  auto stub = v1::BackupService::NewStub(ConnectChannel(options));
  std::unique_ptr<grpc::ClientContext> context = ContextWithDeadline(absl::Now() + timeout);
  auto stream = stub->Backup(context.get(), v1::BackupRequest());
  v1::BackupResponse chunk;
  v1::BackupHeader header;
  bool has_header = false;
  int64_t received = 0;
  store::Sha256 hasher;
  absl::Status written;
  // The stream is one header, then data up to the size it announces;
  // anything else stops the backup (the call is cancelled, nothing kept).
  std::string broken;
  while (broken.empty() && stream->Read(&chunk)) {
    if (chunk.has_header()) {
      if (has_header) {
        broken = "the daemon sent a second header";
      } else if (chunk.header().size_bytes() < 0) {
        broken = absl::StrCat("the daemon announced a negative size, ", chunk.header().size_bytes(),
                              " bytes");
      } else {
        header = chunk.header();
        has_header = true;
      }
      continue;
    }
    if (!has_header) {
      broken = "the daemon sent data before the header";
      continue;
    }
    const auto size = static_cast<int64_t>(chunk.data().size());
    if (size > header.size_bytes() - received) {
      broken = absl::StrCat("the daemon sent more than the ", header.size_bytes(),
                            " bytes it announced");
      continue;
    }
    received += size;
    hasher.Update(chunk.data());
    if (written.ok()) written = file.Write(chunk.data());
  }
  if (!broken.empty()) {
    context->TryCancel();
    stream->Finish();  // CANCELLED, by this client: the reason is `broken`
    return refuse(broken);
  }
  const grpc::Status status = stream->Finish();
  if (!status.ok()) return ReportRpcError("backup", options, status, err);
  if (!written.ok()) return refuse(absl::StrCat("writing ", temporary, ": ", written.message()));
  if (!has_header) return refuse("the daemon sent no header");
  if (received != header.size_bytes()) {
    return refuse(
        absl::StrCat("received ", received, " bytes, the daemon announced ", header.size_bytes()));
  }
  if (const std::string digest = hasher.HexDigest(); digest != header.sha256()) {
    return refuse(absl::StrCat("SHA-256 mismatch: received ", digest, ", the daemon announced ",
                               header.sha256()));
  }
  if (absl::Status synced = file.SyncAndClose(); !synced.ok()) {
    return refuse(absl::StrCat("syncing ", temporary, ": ", synced.message()));
  }
  absl::StatusOr<store::StateDatabaseInfo> info = store::CheckStateDatabase(temporary);
  if (!info.ok()) return refuse(std::string(info.status().message()));
  std::error_code error;
  std::filesystem::rename(temporary, target, error);
  if (error) return refuse(absl::StrCat("renaming into ", path, ": ", error.message()));
  std::move(remove).Cancel();
  SyncDirectory(target.parent_path());
  out << "backup written to " << path << ": " << received << " bytes, sha256 " << header.sha256()
      << ", schema version " << info->schema_version << ", " << info->rollouts << " rollout(s) ("
      << info->unfinished_rollouts << " unfinished)\n";
  return kExitOk;
}

void AddBackupCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  CLI::App* verb = app.add_subcommand(
      "backup",
      "Save an online, consistent copy of the daemon's state (every namespace's rollouts; needs "
      "the operator role in every namespace) to FILE; restore it with kanaryad restore");
  auto path = std::make_shared<std::string>();
  auto timeout = std::make_shared<std::string>("10m");
  verb->add_option("--to", *path, "The file to write (replaced atomically when it exists)")
      ->required();
  verb->add_option("--timeout", *timeout, "Deadline of the whole backup, e.g. 10m")
      ->capture_default_str();
  verb->callback([&flags, &exit_code, path, timeout] {
    absl::Duration deadline;
    if (!absl::ParseDuration(*timeout, &deadline) || deadline <= absl::ZeroDuration()) {
      std::cerr << "kanaryactl backup: --timeout: must be a positive duration such as 10m, got \""
                << *timeout << "\"\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = WithClientOptions(flags, std::cerr, [&](const ClientOptions& options) {
      return RunBackup(options, *path, deadline, std::cout, std::cerr);
    });
  });
}

}  // namespace kanarya::cli
