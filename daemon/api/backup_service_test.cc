// BackupService: who may take a backup (the operator role in every
// namespace, by group or binding; no namespace list suffices), and what the
// stream carries: a header whose size and SHA-256 match the data, and data
// that is a checked state database holding the store's rollouts.
#include "daemon/api/backup_service.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/backup_test_server.h"
#include "daemon/store/sha256.h"
#include "daemon/store/sqlite_backup.h"
#include "daemon/store/sqlite_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using testing::ContextWithToken;
using ::testing::HasSubstr;

constexpr char kTokens[] =
    "tok-global-operator,gus,1,kanarya:operator\n"
    "tok-global-viewer,gina,2,kanarya:viewer\n"
    "tok-global-approver,gabe,3,kanarya:approver\n"
    "tok-sre,sam,4,sre\n"
    "tok-two-teams,tia,5,\"kanarya:operator:shop,kanarya:operator:bank\"\n"
    "tok-listed,lou,6,\n";

std::vector<auth::RoleBinding> Bindings() {
  return {{.group = "sre", .role = auth::Role::kOperator},  // every namespace
          {.principal = "lou", .role = auth::Role::kOperator, .namespaces = {"shop", "bank"}}};
}

class BackupServiceTest : public ::testing::Test {
 protected:
  testing::TokenFileForTest tokens_{kTokens, Bindings()};
  testing::BackupTestServer server_{tokens_.authorizer()};
};

TEST_F(BackupServiceTest, OnlyTheOperatorRoleInEveryNamespaceMayTakeABackup) {
  const struct {
    const char* token;
    grpc::StatusCode code;
  } kCases[] = {
      {"tok-global-operator", grpc::StatusCode::OK},  // kanarya:operator
      {"tok-sre", grpc::StatusCode::OK},              // a binding without namespaces
      {"tok-global-viewer", grpc::StatusCode::PERMISSION_DENIED},
      {"tok-global-approver", grpc::StatusCode::PERMISSION_DENIED},
      {"tok-two-teams", grpc::StatusCode::PERMISSION_DENIED},  // not every namespace
      {"tok-listed", grpc::StatusCode::PERMISSION_DENIED},     // nor by a listing binding
      {"tok-forged", grpc::StatusCode::UNAUTHENTICATED},
      {"", grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& c : kCases) {
    std::string data;
    const grpc::Status status = server_.Call(ContextWithToken(c.token).get(), nullptr, &data);
    ASSERT_EQ(status.error_code(), c.code) << c.token << ": " << status.error_message();
    if (c.code == grpc::StatusCode::OK) {
      EXPECT_FALSE(data.empty());
    } else {
      EXPECT_TRUE(data.empty()) << c.token << " received data";
    }
    if (c.code == grpc::StatusCode::PERMISSION_DENIED) {
      EXPECT_THAT(status.error_message(),
                  HasSubstr("Backup needs the operator role in every namespace"));
    }
    EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("tok-")));
  }
}

TEST(BackupServiceStartTest, RemovesTheSnapshotsOfAKilledDaemon) {
  store::testing::ScopedTempDir dir;
  std::ofstream(dir.path() + "/.kanarya-backup-x1y2z3") << "half a snapshot";
  std::ofstream(dir.path() + "/kanarya.db") << "kept";
  BackupService service(dir.path() + "/kanarya.db", dir.path(), auth::Authorizer::Open());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/.kanarya-backup-x1y2z3"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/kanarya.db"));
}

TEST_F(BackupServiceTest, TheStreamIsTheCheckedDatabaseWithItsSizeAndChecksum) {
  v1::BackupHeader header;
  std::string data;
  const grpc::Status status =
      server_.Call(ContextWithToken("tok-global-operator").get(), &header, &data);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(header.size_bytes(), static_cast<int64_t>(data.size()));
  store::Sha256 hasher;
  hasher.Update(data);
  EXPECT_EQ(header.sha256(), hasher.HexDigest());
  EXPECT_EQ(header.schema_version(), store::LatestSchemaVersion());
  EXPECT_EQ(header.rollouts(), testing::BackupTestServer::kRollouts);
  EXPECT_EQ(header.unfinished_rollouts(), testing::BackupTestServer::kRollouts);
  EXPECT_GT(header.taken_time().seconds(), 1'700'000'000);

  const std::string copy = server_.dir() + "/received.db";
  std::ofstream(copy, std::ios::binary) << data;
  absl::StatusOr<store::StateDatabaseInfo> info = store::CheckStateDatabase(copy);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->rollouts, testing::BackupTestServer::kRollouts);
  // The snapshot's scratch file is gone: only the database's own files and
  // the copy received remain.
  for (const auto& entry : std::filesystem::directory_iterator(server_.dir())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("backup")));
  }
}

}  // namespace
}  // namespace kanarya::api
