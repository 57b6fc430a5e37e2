// Test support for authentication: a token file on disk with the
// Authorizer that watches it (rewritten in one rename, as a Secret volume
// does), client contexts carrying a bearer token, and reading PEM files.
// Header-only.
#ifndef KANARYA_DAEMON_API_TESTING_AUTH_TEST_SUPPORT_H_
#define KANARYA_DAEMON_API_TESTING_AUTH_TEST_SUPPORT_H_

#include <grpcpp/client_context.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/api/auth/authorizer.h"
#include "daemon/api/auth/token_file_watcher.h"
#include "gtest/gtest.h"

namespace kanarya::api::testing {

class TokenFileForTest {
 public:
  // Writes `contents` to a file of the current test's own and starts
  // watching it every `period`.
  explicit TokenFileForTest(const std::string& contents,
                            std::vector<auth::RoleBinding> bindings = {},
                            absl::Duration period = absl::Milliseconds(20))
      : path_(::testing::TempDir() + "/tokens-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".csv") {
    Rewrite(contents);
    absl::StatusOr<std::unique_ptr<auth::TokenFileWatcher>> watcher = auth::TokenFileWatcher::Start(
        path_, period, [this](auth::TokenFileWatcher::Outcome, const std::string& message) {
          absl::MutexLock lock(&mutex_);
          reports_.push_back(message);
        });
    EXPECT_TRUE(watcher.ok()) << watcher.status();
    if (watcher.ok()) watcher_ = *std::move(watcher);
    authorizer_ = std::make_unique<auth::Authorizer>(
        auth::AuthenticationSources{.tokens = [this] { return watcher_->Current(); }},
        auth::RoleBindings(std::move(bindings)));
  }
  ~TokenFileForTest() {
    watcher_.reset();
    std::remove(path_.c_str());
  }

  void Rewrite(const std::string& contents) {
    const std::string staging = path_ + ".new";
    std::ofstream(staging, std::ios::binary | std::ios::trunc) << contents;
    std::filesystem::rename(staging, path_);
  }

  const std::string& path() const { return path_; }
  const auth::Authorizer& authorizer() const { return *authorizer_; }
  auth::TokenFileWatcher& watcher() { return *watcher_; }
  std::vector<std::string> reports() {
    absl::MutexLock lock(&mutex_);
    return reports_;
  }

 private:
  const std::string path_;
  std::unique_ptr<auth::TokenFileWatcher> watcher_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  absl::Mutex mutex_;
  std::vector<std::string> reports_ ABSL_GUARDED_BY(mutex_);
};

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A client context with a deadline and, unless `token` is empty, the
// metadata "authorization: Bearer TOKEN".
inline std::unique_ptr<grpc::ClientContext> ContextWithToken(
    const std::string& token, absl::Duration timeout = absl::Seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

}  // namespace kanarya::api::testing

#endif  // KANARYA_DAEMON_API_TESTING_AUTH_TEST_SUPPORT_H_
