// kanaryactl backup against BackupService on loopback over a real SQLite
// store: the file written and checked, an existing file replaced only by a
// good backup, and the exit codes of a refusal and of an unreachable daemon.
#include "cli/backup_command.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/backup_test_server.h"
#include "daemon/store/sha256.h"
#include "daemon/store/sqlite_backup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

}  // namespace
}  // namespace kanarya::cli
