// kanarya.v1.BackupService over gRPC: Backup snapshots the state database
// (store::SnapshotDatabase: no pause of the engine) into a temporary file in
// the scratch directory, checks it, and streams a header (size, SHA-256,
// schema version, rollouts) and then the file in chunks; the file is removed
// whatever happens. One backup at a time (RESOURCE_EXHAUSTED otherwise). The
// caller needs the operator role in every namespace. Thread-safe; the
// authorizer must outlive it.
#ifndef KANARYA_DAEMON_API_BACKUP_SERVICE_H_
#define KANARYA_DAEMON_API_BACKUP_SERVICE_H_

#include <functional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "daemon/api/auth/authorizer.h"
#include "kanarya/v1/backup_service.grpc.pb.h"

namespace kanarya::api {

// Told of each backup streamed whole: who took it, and its header.
using BackupReporter =
    std::function<void(const std::string& principal, const v1::BackupHeader& header)>;

class BackupService final : public v1::BackupService::Service {
 public:
  // The largest data chunk sent (gRPC's default message limit is 4 MiB).
  static constexpr size_t kChunkBytes = 1 << 20;

  // `database_path`: the state database; `scratch_dir`: where the snapshot
  // is written before it is streamed (the data directory: the same volume,
  // which has room for the database's size again). Removes the snapshots a
  // daemon killed during a backup left there.
  BackupService(std::string database_path, std::string scratch_dir,
                const auth::Authorizer& authorizer, BackupReporter reporter = nullptr);

  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      grpc::ServerWriter<v1::BackupResponse>* writer) override;

 private:
  const std::string database_path_;
  const std::string scratch_dir_;
  const auth::Authorizer& authorizer_;
  const BackupReporter reporter_;
  absl::Mutex running_;  // held by the backup in progress
};

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_BACKUP_SERVICE_H_
