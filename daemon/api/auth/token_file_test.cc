#include "daemon/api/auth/token_file.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TokenFileTest, ReadsTheKubernetesFormat) {
  absl::StatusOr<std::vector<TokenRecord>> records = ParseTokenFile(
      "# the shop team\n"
      "tok-alice,alice,1001,\"kanarya:operator:shop,kanarya:viewer\"\n"
      "\n"
      "tok-bob,bob,1002\r\n"
      "  tok-carol, carol ,1003,sre\n"
      "tok-dave,dave,1004,\"\"\n"
      "\"tok,\"\"erin\",erin,1005,\" a , b \"");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ((*records)[0].token, "tok-alice");
  EXPECT_EQ((*records)[0].identity.principal, "alice");
  EXPECT_EQ((*records)[0].uid, "1001");
  EXPECT_EQ((*records)[0].line, 2);
  EXPECT_THAT((*records)[0].identity.groups,
              ElementsAre("kanarya:operator:shop", "kanarya:viewer"));
  EXPECT_EQ((*records)[1].token, "tok-bob");  // the CR of a CRLF line is not the uid's
  EXPECT_EQ((*records)[1].uid, "1002");
  EXPECT_EQ((*records)[1].line, 4);
  EXPECT_TRUE((*records)[1].identity.groups.empty());
  EXPECT_EQ((*records)[2].token, "tok-carol");  // leading blanks of fields are skipped
  EXPECT_EQ((*records)[2].identity.principal, "carol");
  EXPECT_THAT((*records)[2].identity.groups, ElementsAre("sre"));
  EXPECT_TRUE((*records)[3].identity.groups.empty());
  EXPECT_EQ((*records)[4].token, "tok,\"erin");  // RFC 4180 quoting
  EXPECT_THAT((*records)[4].identity.groups, ElementsAre("a", "b"));
}

struct Malformed {
  std::string text;
  std::string expected;
};

TEST(TokenFileTest, RejectsEachMalformedLineByNumberWithoutTheToken) {
  const Malformed cases[] = {
      {"ok1,a,1\nsecret-x,bob\n", "line 2: needs at least 3 columns (token, user, uid), found 2"},
      {"secret-x\n", "line 1: needs at least 3 columns"},
      {"secret-x,bob,1,g,extra\n", "line 1: has 5 columns; at most 4"},
      {"ok1,a,1\n\nsecret-x,bob,1,\"kanarya:viewer\n", "line 3: column 4: a quote is not closed"},
      {"secret-x,bob,1,kanarya:\"viewer\"\n", "line 1: column 4: a quote inside an unquoted field"},
      {"\"secret-x\"y,bob,1\n", "line 1: column 1: text follows a closing quote"},
      {",bob,1\n", "line 1: the token is empty"},
      {"secret-x,,1\n", "line 1: the user is empty"},
      {"secret x,bob,1\n", "line 1: the token must be visible ASCII characters without spaces"},
      {"secret-x,bob,1\nok,a,2\nsecret-x,carol,3\n", "line 3: repeats the token of line 1"},
      {"secret-x,bob,1,kanarya:admin\n", "line 1: group \"kanarya:admin\" names no role"},
      {"secret-x,bob,1,kanarya:viewer:Shop\n",
       "line 1: group \"kanarya:viewer:Shop\": namespace \"Shop\" must be lowercase"},
      {"secret-x,bob,1,kanarya:viewer:\n", "the namespace is empty"},
  };
  for (const Malformed& malformed : cases) {
    absl::StatusOr<std::vector<TokenRecord>> records = ParseTokenFile(malformed.text);
    ASSERT_FALSE(records.ok()) << malformed.text;
    EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(records.status().message(), HasSubstr(malformed.expected)) << malformed.text;
    EXPECT_THAT(records.status().message(), Not(HasSubstr("secret"))) << malformed.text;
  }
}

TEST(TokenFileTest, ListsEveryBadLine) {
  absl::StatusOr<std::vector<TokenRecord>> records =
      ParseTokenFile("a,b\nok,c,1\nd,e,f,g,h\n,x,1\n");
  ASSERT_FALSE(records.ok());
  EXPECT_THAT(records.status().message(), HasSubstr("line 1: "));
  EXPECT_THAT(records.status().message(), HasSubstr("; line 3: "));
  EXPECT_THAT(records.status().message(), HasSubstr("; line 4: "));
  EXPECT_THAT(records.status().message(), Not(HasSubstr("line 2")));
}

TEST(TokenFileTest, AnEmptyFileHasNoTokens) {
  absl::StatusOr<std::vector<TokenRecord>> records = ParseTokenFile("# nobody yet\n\n");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(records->empty());
}

}  // namespace
}  // namespace kanarya::auth
