// Test support: a BackupService over a real SQLite state store (in a
// temporary directory, holding a few rollouts) behind an authorizer, served
// on 127.0.0.1 at a free port, and a client that reads a whole backup.
// Header-only; link kanarya_api and kanarya_store.
#ifndef KANARYA_DAEMON_API_TESTING_BACKUP_TEST_SERVER_H_
#define KANARYA_DAEMON_API_TESTING_BACKUP_TEST_SERVER_H_

#include <grpcpp/create_channel.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/api/backup_service.h"
#include "daemon/api/server.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/store/store_test_util.h"
#include "gtest/gtest.h"

namespace kanarya::api::testing {

class BackupTestServer {
 public:
  static constexpr int kRollouts = 3;  // r0, r1, r2

  explicit BackupTestServer(const auth::Authorizer& authorizer)
      : store_(*store::SqliteStateStore::Open(dir_.path())),
        service_((std::filesystem::path(dir_.path()) / store::SqliteStateStore::kFileName).string(),
                 dir_.path(), authorizer) {
    for (int i = 0; i < kRollouts; ++i) {
      store::Mutation created{.rollout = store::testing::MakeRollout(absl::StrCat("r", i))};
      EXPECT_TRUE(store_->Commit(created, /*new_rollout=*/true).ok());
    }
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start("127.0.0.1:0", {{v1::BackupService::service_full_name(), &service_}});
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::BackupService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  // Reads the whole backup: its header and the concatenated data.
  grpc::Status Call(grpc::ClientContext* context, v1::BackupHeader* header = nullptr,
                    std::string* data = nullptr) {
    auto stream = stub_->Backup(context, v1::BackupRequest());
    v1::BackupResponse chunk;
    while (stream->Read(&chunk)) {
      if (chunk.has_header() && header != nullptr) *header = chunk.header();
      if (data != nullptr) data->append(chunk.data());
    }
    return stream->Finish();
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  store::StateStore& store() { return *store_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  store::testing::ScopedTempDir dir_;
  store::StateStorePtr store_;
  BackupService service_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::BackupService::Stub> stub_;
};

}  // namespace kanarya::api::testing

#endif  // KANARYA_DAEMON_API_TESTING_BACKUP_TEST_SERVER_H_
