// kanaryactl backup against BackupService on loopback over a real SQLite
// store: the file written and checked, an existing file replaced only by a
// good backup, and the exit codes of a refusal and of an unreachable daemon.
#include "cli/backup_command.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "cli/exit_codes.h"
#include "daemon/api/server.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/backup_test_server.h"
#include "daemon/store/sha256.h"
#include "daemon/store/sqlite_backup.h"
#include "daemon/store/sqlite_state_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kanarya/v1/backup_service.grpc.pb.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;

class BackupCommandTest : public ::testing::Test {
 protected:
  int Backup(const std::string& token, const std::string& server = "") {
    ClientOptions options;
    options.server = server.empty() ? server_.address() : server;
    options.token = token;
    out_.str("");
    err_.str("");
    return RunBackup(options, target_, absl::Seconds(30), out_, err_);
  }
  std::vector<std::string> FilesBeside() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  api::testing::TokenFileForTest tokens_{
      "tok-admin,ada,1,kanarya:operator\n"
      "tok-team,tom,2,kanarya:operator:shop\n"};
  api::testing::BackupTestServer server_{tokens_.authorizer()};
  store::testing::ScopedTempDir dir_;
  const std::string target_ = dir_.path() + "/kanarya-backup.db";
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(BackupCommandTest, WritesACheckedDatabase) {
  ASSERT_EQ(Backup("tok-admin"), kExitOk) << err_.str();
  absl::StatusOr<store::StateDatabaseInfo> info = store::CheckStateDatabase(target_);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->rollouts, api::testing::BackupTestServer::kRollouts);
  EXPECT_THAT(out_.str(), HasSubstr(absl::StrCat("backup written to ", target_, ": ")));
  EXPECT_THAT(out_.str(), HasSubstr(*store::FileSha256(target_)));
  EXPECT_THAT(FilesBeside(), ::testing::ElementsAre("kanarya-backup.db"));
}

TEST_F(BackupCommandTest, ARefusalLeavesAnExistingFileAsItWas) {
  std::ofstream(target_) << "yesterday's backup";
  EXPECT_EQ(Backup("tok-team"), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("PERMISSION_DENIED: Backup needs the operator role in every "
                                    "namespace"));
  std::ifstream kept(target_);
  std::string contents;
  std::getline(kept, contents);
  EXPECT_EQ(contents, "yesterday's backup");
  EXPECT_THAT(FilesBeside(), ::testing::ElementsAre("kanarya-backup.db"));  // no partial file

  EXPECT_EQ(Backup("tok-admin"), kExitOk) << err_.str();
  EXPECT_TRUE(store::CheckStateDatabase(target_).ok());
}

TEST_F(BackupCommandTest, AnUnreachableDaemonIsExitFour) {
  EXPECT_EQ(Backup("tok-admin", "127.0.0.1:1"), kExitUnreachable);
  EXPECT_THAT(err_.str(), HasSubstr("did not answer"));
  EXPECT_TRUE(FilesBeside().empty());
}

TEST_F(BackupCommandTest, AnUnwritableDirectoryIsExitTwo) {
  ClientOptions options;
  options.server = server_.address();
  EXPECT_EQ(RunBackup(options, dir_.path() + "/absent/backup.db", absl::Seconds(30), out_, err_),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--to: cannot create a file beside"));
}

// A BackupService that sends the chunks it is given, then `repeats` more
// copies of the last one (a stream that does not end where it should),
// stopping when the client goes away.
class ScriptedBackupService final : public v1::BackupService::Service {
 public:
  ScriptedBackupService(std::vector<v1::BackupResponse> chunks, int repeats)
      : chunks_(std::move(chunks)), repeats_(repeats) {}

  grpc::Status Backup(grpc::ServerContext* /*context*/, const v1::BackupRequest* /*request*/,
                      grpc::ServerWriter<v1::BackupResponse>* writer) override {
    for (const v1::BackupResponse& chunk : chunks_) {
      if (!writer->Write(chunk)) return grpc::Status::OK;
      ++sent_;
    }
    for (int i = 0; i < repeats_; ++i) {
      if (!writer->Write(chunks_.back())) return grpc::Status::OK;
      ++sent_;
    }
    return grpc::Status::OK;
  }

  int sent() const { return sent_; }

 private:
  const std::vector<v1::BackupResponse> chunks_;
  const int repeats_;
  std::atomic<int> sent_ = 0;
};

v1::BackupResponse HeaderChunk(int64_t size_bytes, const std::string& sha256) {
  v1::BackupResponse chunk;
  chunk.mutable_header()->set_size_bytes(size_bytes);
  chunk.mutable_header()->set_sha256(sha256);
  return chunk;
}

v1::BackupResponse DataChunk(const std::string& bytes) {
  v1::BackupResponse chunk;
  chunk.set_data(bytes);
  return chunk;
}

// kanaryactl backup against a daemon whose stream breaks the protocol: each
// case exit 1 naming the fault, no partial file, an existing FILE kept.
class BackupStreamTest : public ::testing::Test {
 protected:
  BackupStreamTest() {
    {
      store::StateStorePtr store = *store::SqliteStateStore::Open(source_.path());
      store::Mutation created{.rollout = store::testing::MakeRollout("r0")};
      EXPECT_TRUE(store->Commit(created, /*new_rollout=*/true).ok());
    }
    const std::string copy = source_.path() + "/copy.db";
    EXPECT_TRUE(
        store::SnapshotDatabase(
            (std::filesystem::path(source_.path()) / store::SqliteStateStore::kFileName).string(),
            copy)
            .ok());
    std::ifstream in(copy, std::ios::binary);
    database_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    store::Sha256 hasher;
    hasher.Update(database_);
    sha256_ = hasher.HexDigest();
    std::ofstream(target_) << "yesterday's backup";
  }

  // Runs kanaryactl backup against a daemon sending `chunks` (then
  // `repeats` copies of the last).
  int Backup(std::vector<v1::BackupResponse> chunks, int repeats = 0) {
    service_ = std::make_unique<ScriptedBackupService>(std::move(chunks), repeats);
    absl::StatusOr<std::unique_ptr<api::GrpcServer>> server = api::GrpcServer::Start(
        "127.0.0.1:0", {{v1::BackupService::service_full_name(), service_.get()}});
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return -1;
    ClientOptions options;
    options.server = absl::StrCat("127.0.0.1:", (*server)->port());
    const int exit_code = RunBackup(options, target_, absl::Seconds(30), out_, err_);
    (*server)->Shutdown(absl::Seconds(1));
    return exit_code;
  }

  void ExpectExistingFileKept() {
    std::ifstream kept(target_);
    std::string contents;
    std::getline(kept, contents);
    EXPECT_EQ(contents, "yesterday's backup");
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      names.push_back(entry.path().filename().string());
    }
    EXPECT_THAT(names, ::testing::ElementsAre("kanarya-backup.db"));  // no partial file
  }

  std::string Half(int which) const {
    const size_t half = database_.size() / 2;
    return which == 0 ? database_.substr(0, half) : database_.substr(half);
  }

  store::testing::ScopedTempDir source_;
  store::testing::ScopedTempDir dir_;
  const std::string target_ = dir_.path() + "/kanarya-backup.db";
  std::string database_;
  std::string sha256_;
  std::unique_ptr<ScriptedBackupService> service_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(BackupStreamTest, AWellFormedStreamIsWritten) {
  ASSERT_EQ(Backup({HeaderChunk(static_cast<int64_t>(database_.size()), sha256_),
                    DataChunk(Half(0)), DataChunk(Half(1))}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(store::CheckStateDatabase(target_)->rollouts, 1);
}

TEST_F(BackupStreamTest, DataBeforeTheHeaderIsRefused) {
  EXPECT_EQ(
      Backup({DataChunk(Half(0)), HeaderChunk(static_cast<int64_t>(database_.size()), sha256_),
              DataChunk(Half(1))}),
      kExitFailure);
  EXPECT_THAT(err_.str(),
              HasSubstr("the daemon sent data before the header; nothing written to " + target_));
  ExpectExistingFileKept();
}

TEST_F(BackupStreamTest, ASecondHeaderIsRefused) {
  EXPECT_EQ(
      Backup({HeaderChunk(5, "0000"), HeaderChunk(static_cast<int64_t>(database_.size()), sha256_),
              DataChunk(Half(0)), DataChunk(Half(1))}),
      kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("the daemon sent a second header"));
  ExpectExistingFileKept();
}

TEST_F(BackupStreamTest, ANegativeSizeIsRefused) {
  EXPECT_EQ(Backup({HeaderChunk(-1, sha256_), DataChunk(Half(0))}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("the daemon announced a negative size, -1 bytes"));
  ExpectExistingFileKept();
}

TEST_F(BackupStreamTest, DataBeyondTheAnnouncedSizeStopsTheBackup) {
  // After the whole file, 4000 more chunks of 16 KiB (64 MiB): the client
  // stops at the first and cancels, so the daemon cannot send them all
  // (gRPC's flow-control window is far smaller than 64 MiB).
  constexpr int kRepeats = 4000;
  constexpr size_t kChunkBytes = size_t{16} * 1024;
  EXPECT_EQ(Backup({HeaderChunk(static_cast<int64_t>(database_.size()), sha256_),
                    DataChunk(database_), DataChunk(std::string(kChunkBytes, 'x'))},
                   kRepeats),
            kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr(absl::StrCat("the daemon sent more than the ", database_.size(),
                                                 " bytes it announced")));
  EXPECT_LT(service_->sent(), kRepeats);
  ExpectExistingFileKept();
}

}  // namespace
}  // namespace kanarya::cli
