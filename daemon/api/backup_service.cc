#include "daemon/api/backup_service.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/api/call_context.h"
#include "daemon/api/status_mapping.h"
#include "daemon/store/sha256.h"
#include "daemon/store/sqlite_backup.h"

namespace kanarya::api {
namespace {

constexpr char kScratchPrefix[] = ".kanarya-backup-";

// A new, empty file in `dir` named for a backup; VACUUM INTO fills it.
absl::StatusOr<std::string> ScratchFile(const std::string& dir) {
  std::string path = (std::filesystem::path(dir) / absl::StrCat(kScratchPrefix, "XXXXXX")).string();
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("creating a backup file in ", dir, ": ", std::strerror(errno)));
  }
  close(fd);
  return path;
}

// The snapshot's header: its size, checksum and what it holds.
absl::StatusOr<v1::BackupHeader> Describe(const std::string& path) {
  absl::StatusOr<store::StateDatabaseInfo> info = store::CheckStateDatabase(path);
  if (!info.ok()) return info.status();
  absl::StatusOr<std::string> digest = store::FileSha256(path);
  if (!digest.ok()) return digest.status();
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat("sizing ", path, ": ", error.message()));
  }
  v1::BackupHeader header;
  header.set_size_bytes(static_cast<int64_t>(size));
  header.set_sha256(*digest);
  header.set_schema_version(info->schema_version);
  header.set_rollouts(info->rollouts);
  header.set_unfinished_rollouts(info->unfinished_rollouts);
  const absl::Time now = absl::Now();
  header.mutable_taken_time()->set_seconds(absl::ToUnixSeconds(now));
  return header;
}

}  // namespace

BackupService::BackupService(std::string database_path, std::string scratch_dir,
                             const auth::Authorizer& authorizer, BackupReporter reporter)
    : database_path_(std::move(database_path)),
      scratch_dir_(std::move(scratch_dir)),
      authorizer_(authorizer),
      reporter_(std::move(reporter)) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(scratch_dir_, error), end; !error && it != end;
       it.increment(error)) {
    if (absl::StartsWith(it->path().filename().string(), kScratchPrefix)) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}

grpc::Status BackupService::Backup(grpc::ServerContext* context,
                                   const v1::BackupRequest* /*request*/,
                                   grpc::ServerWriter<v1::BackupResponse>* writer) {
  if (absl::Status alive = CheckCallAlive(*context); !alive.ok()) return ToGrpcStatus(alive);
  absl::StatusOr<auth::Identity> identity = authorizer_.Authenticate(CredentialsOf(*context));
  if (!identity.ok()) return ToGrpcStatus(identity.status());
  if (absl::Status allowed = authorizer_.AuthorizeEverywhere(*identity, auth::ApiMethod::kBackup);
      !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  if (!running_.TryLock()) {
    return ToGrpcStatus(
        absl::ResourceExhaustedError("another backup is being taken; try again when it ends"));
  }
  absl::Cleanup unlock = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { running_.Unlock(); };

  absl::StatusOr<std::string> path = ScratchFile(scratch_dir_);
  if (!path.ok()) return ToGrpcStatus(path.status());
  absl::Cleanup remove = [&path] {
    std::error_code ignored;
    std::filesystem::remove(*path, ignored);
  };
  absl::Status taken = store::SnapshotDatabase(database_path_, *path);
  absl::StatusOr<v1::BackupHeader> header = taken.ok() ? Describe(*path) : taken;
  if (!header.ok()) return ToGrpcStatus(header.status());

  v1::BackupResponse chunk;
  *chunk.mutable_header() = *header;
  if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "client gone");
  std::ifstream file(*path, std::ios::binary);
  std::string buffer(kChunkBytes, '\0');
  int64_t sent = 0;
  while (file && sent < header->size_bytes()) {
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(file.gcount());
    if (got == 0) break;
    chunk.set_data(buffer.data(), got);
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "client gone");
    sent += static_cast<int64_t>(got);
  }
  if (sent != header->size_bytes()) {
    return ToGrpcStatus(absl::DataLossError(absl::StrCat(
        "reading the backup file ", *path, ": ", sent, " of ", header->size_bytes(), " bytes")));
  }
  if (reporter_) reporter_(identity->principal, *header);
  return grpc::Status::OK;
}

}  // namespace kanarya::api
