#include "daemon/api/auth/peer_certificate.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TEST(PeerCertificateTest, CommonNameIsThePrincipalAndEachOrganizationAGroup) {
  lab::TestCertificate ca;
  const lab::TestCertificate::Issued issued =
      ca.IssueClientCertificate("deploy-bot", {"kanarya:operator:shop", "ci"});
  absl::StatusOr<Identity> identity = IdentityOfCertificate(ReadFile(issued.certificate_file));
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->principal, "deploy-bot");
  EXPECT_THAT(identity->groups, ElementsAre("kanarya:operator:shop", "ci"));

  absl::StatusOr<Identity> plain =
      IdentityOfCertificate(ReadFile(ca.IssueClientCertificate("alice").certificate_file));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->principal, "alice");
  EXPECT_THAT(plain->groups, IsEmpty());
}

TEST(PeerCertificateTest, GarbageIsAnErrorThatQuotesNothing) {
  const std::string garbage = "-----BEGIN CERTIFICATE-----\nc2VjcmV0\n-----END CERTIFICATE-----\n";
  absl::StatusOr<Identity> identity = IdentityOfCertificate(garbage);
  ASSERT_FALSE(identity.ok());
  EXPECT_THAT(identity.status().message(), HasSubstr("cannot be parsed"));
  EXPECT_FALSE(IdentityOfCertificate("").ok());
}

}  // namespace
}  // namespace kanarya::auth
