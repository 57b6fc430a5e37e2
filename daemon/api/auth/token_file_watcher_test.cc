#include "daemon/api/auth/token_file_watcher.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::auth {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kPeriod = absl::Milliseconds(20);
// Bound of every wait for a reload: many periods, so a slow machine passes.
constexpr absl::Duration kPatience = absl::Seconds(10);

class TokenFileWatcherTest : public ::testing::Test {
 protected:
  TokenFileWatcherTest()
      : path_(::testing::TempDir() + "/tokens-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".csv") {}
  ~TokenFileWatcherTest() override { std::remove(path_.c_str()); }

  // Replaces the file in one rename, as a careful operator (or a Kubernetes
  // Secret volume) does.
  void Write(const std::string& contents) {
    const std::string staging = path_ + ".new";
    std::ofstream(staging, std::ios::binary | std::ios::trunc) << contents;
    std::filesystem::rename(staging, path_);
  }

  absl::StatusOr<std::unique_ptr<TokenFileWatcher>> Start() {
    return TokenFileWatcher::Start(
        path_, kPeriod, [this](TokenFileWatcher::Outcome outcome, const std::string& message) {
          absl::MutexLock lock(&mutex_);
          reports_.push_back(absl::StrCat(outcome == TokenFileWatcher::Outcome::kReloaded ? ""
                                          : outcome == TokenFileWatcher::Outcome::kRefusedAll
                                              ? "[refused] "
                                              : "[kept] ",
                                          message));
        });
  }

  std::vector<std::string> Reports() {
    absl::MutexLock lock(&mutex_);
    return reports_;
  }

  // Waits until `done` holds, at most kPatience.
  template <typename Predicate>
  bool Eventually(Predicate done) {
    const absl::Time deadline = absl::Now() + kPatience;
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(kPeriod / 2);
    }
    return true;
  }

  const std::string path_;
  absl::Mutex mutex_;
  std::vector<std::string> reports_ ABSL_GUARDED_BY(mutex_);
};

TEST_F(TokenFileWatcherTest, StartRefusesAMissingOrBadFileNamingItAndTheLine) {
  absl::StatusOr<std::unique_ptr<TokenFileWatcher>> missing = Start();
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(path_ + ": cannot be read"));

  Write("tok-a,alice,1\nsecret-b,bob\n");
  absl::StatusOr<std::unique_ptr<TokenFileWatcher>> bad = Start();
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr(path_ + ": line 2: needs at least 3 columns"));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("secret")));
}

TEST_F(TokenFileWatcherTest, ARewrittenFileTakesEffectAndABadOneRevokesTheTokensItNoLongerNames) {
  Write("tok-old,alice,1\n");
  absl::StatusOr<std::unique_ptr<TokenFileWatcher>> watcher = Start();
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  TokenFileWatcher& tokens = **watcher;
  ASSERT_NE(tokens.Current()->Find("tok-old"), nullptr);

  Write("tok-new,bob,2\n");
  ASSERT_TRUE(Eventually([&] { return tokens.Current()->Find("tok-new") != nullptr; }));
  EXPECT_EQ(tokens.Current()->Find("tok-old"), nullptr);
  EXPECT_EQ(tokens.Current()->Find("tok-new")->principal, "bob");
  ASSERT_TRUE(Eventually([&] { return !Reports().empty(); }));
  EXPECT_THAT(Reports(), Contains("--token_file: reloaded " + path_ + ": 1 token(s)"));

  Write("tok-new,bob,2\ntok-newer,carol,3\nsecret-broken,\"dave,4\n");
  const std::string expected_error = path_ +
                                     ": line 3: column 2: a quote is not closed (a quoted field "
                                     "cannot span lines); keeping the previous 1 token(s)";
  ASSERT_TRUE(Eventually([&] { return Reports().size() >= 2; }));
  EXPECT_THAT(Reports().back(), HasSubstr(expected_error));
  EXPECT_THAT(Reports().back(), ::testing::StartsWith("[kept] --token_file: "));
  EXPECT_NE(tokens.Current()->Find("tok-new"), nullptr);
  EXPECT_EQ(tokens.Current()->Find("tok-newer"), nullptr);

  // The same bad content is reported once, not once per poll.
  absl::SleepFor(10 * kPeriod);
  EXPECT_EQ(Reports().size(), 2u);

  // A broken content revokes every token it no longer names.
  Write("tok-newer,carol,3\nsecret-broken,\"dave,4\n");
  ASSERT_TRUE(Eventually([&] { return Reports().size() >= 3; }));
  EXPECT_THAT(Reports().back(), HasSubstr("keeping the previous 0 token(s) (1 revoked"));
  EXPECT_EQ(tokens.Current()->Find("tok-new"), nullptr);

  // A file cut mid-line (no final newline) is refused, not read as a table.
  Write("tok-new,bob,2\ntok-cut,eve,9,kanarya:operator");
  ASSERT_TRUE(Eventually([&] { return Reports().size() >= 4; }));
  EXPECT_THAT(Reports().back(), HasSubstr("the last line does not end in a newline"));
  EXPECT_EQ(tokens.Current()->Find("tok-cut"), nullptr);

  Write("tok-new,bob,2\n");
  ASSERT_TRUE(Eventually([&] { return tokens.Current()->Find("tok-new") != nullptr; }));
  std::filesystem::remove(path_);
  ASSERT_TRUE(Eventually([&] { return tokens.Current()->size() == 0; }));
  ASSERT_TRUE(Eventually([&] { return Reports().size() >= 6; }));
  EXPECT_THAT(Reports().back(), HasSubstr("[refused] --token_file: " + path_ +
                                          ": cannot be read; refusing every token (1 dropped)"));

  for (const std::string& report : Reports()) {
    EXPECT_THAT(report, Not(HasSubstr("tok-"))) << report;
    EXPECT_THAT(report, Not(HasSubstr("secret"))) << report;
  }
}

}  // namespace
}  // namespace kanarya::auth
