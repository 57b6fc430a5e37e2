#include "daemon/api/auth/authorizer.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::shared_ptr<const TokenTable> Table(const std::string& text) {
  absl::StatusOr<std::vector<TokenRecord>> records = ParseTokenFile(text);
  EXPECT_TRUE(records.ok()) << records.status();
  return std::make_shared<const TokenTable>(records.ok() ? *records : std::vector<TokenRecord>{});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest()
      : table_(Table("tok-alice,alice,1,kanarya:operator:shop\ntok-bob,bob,2\n")),
        authorizer_(
            AuthenticationSources{.tokens = [this] { return table_; }, .client_certificates = true},
            RoleBindings({{.principal = "bob", .role = Role::kApprover, .namespaces = {"bank"}}})) {
  }

  static CallCredentials Bearer(const std::string& value) {
    return CallCredentials{.authorization = {value}};
  }

  std::shared_ptr<const TokenTable> table_;
  Authorizer authorizer_;
};

TEST_F(AuthorizerTest, BearerTokensIdentifyTheirPrincipal) {
  absl::StatusOr<Identity> alice = authorizer_.Authenticate(Bearer("Bearer tok-alice"));
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->principal, "alice");
  EXPECT_THAT(alice->groups, ElementsAre("kanarya:operator:shop"));
  // RFC 6750: the scheme is case-insensitive; blanks around are tolerated.
  EXPECT_EQ(authorizer_.Authenticate(Bearer("bearer   tok-bob ")).value().principal, "bob");
}

TEST_F(AuthorizerTest, MissingMalformedAndUnknownCredentialsAreUnauthenticated) {
  const struct {
    CallCredentials credentials;
    std::string message;
  } cases[] = {
      {{}, "authentication required: send \"authorization: Bearer TOKEN\" or a client certificate"},
      {Bearer("tok-alice"), "must be \"Bearer TOKEN\""},
      {Bearer("Basic tok-alice"), "must be \"Bearer TOKEN\""},
      {Bearer("Bearer "), "must be \"Bearer TOKEN\""},
      {Bearer("Bearer tok-mallory"), "the bearer token is not valid (unknown or revoked)"},
      {Bearer("Bearer tok-alicE"), "the bearer token is not valid"},
      {{.authorization = {"Bearer tok-alice", "Bearer tok-bob"}}, "one authorization"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Identity> identity = authorizer_.Authenticate(c.credentials);
    ASSERT_FALSE(identity.ok()) << c.message;
    EXPECT_EQ(identity.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(identity.status().message(), HasSubstr(c.message));
    EXPECT_THAT(identity.status().message(), Not(HasSubstr("tok-")));
  }
}

TEST_F(AuthorizerTest, ARemovedTokenIsRefusedOnceTheTableChanges) {
  ASSERT_TRUE(authorizer_.Authenticate(Bearer("Bearer tok-bob")).ok());
  table_ = Table("tok-alice,alice,1\n");
  EXPECT_EQ(authorizer_.Authenticate(Bearer("Bearer tok-bob")).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthorizerTest, ClientCertificatesIdentifyBySubjectAndATokenTakesPrecedence) {
  lab::TestCertificate ca;
  const lab::TestCertificate::Issued carol = ca.IssueClientCertificate("carol", {"kanarya:viewer"});
  const std::string pem = ReadFile(carol.certificate_file);
  absl::StatusOr<Identity> identity =
      authorizer_.Authenticate(CallCredentials{.client_certificate_pem = pem});
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->principal, "carol");
  EXPECT_THAT(identity->groups, ElementsAre("kanarya:viewer"));

  // A bad token is never rescued by a certificate beside it.
  EXPECT_EQ(authorizer_
                .Authenticate(CallCredentials{.authorization = {"Bearer nope"},
                                              .client_certificate_pem = pem})
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(authorizer_
                .Authenticate(CallCredentials{.authorization = {"Bearer tok-bob"},
                                              .client_certificate_pem = pem})
                ->principal,
            "bob");

  // Without client certificates configured, one is not an identity.
  const Authorizer tokens_only(AuthenticationSources{.tokens = [this] { return table_; }},
                               RoleBindings());
  absl::StatusOr<Identity> refused =
      tokens_only.Authenticate(CallCredentials{.client_certificate_pem = pem});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.status().message(), HasSubstr("send \"authorization: Bearer TOKEN\""));
}

TEST_F(AuthorizerTest, WithoutATokenFileAStrayAuthorizationHeaderLeavesTheCertificateInForce) {
  lab::TestCertificate ca;
  const lab::TestCertificate::Issued carol = ca.IssueClientCertificate("carol", {"kanarya:viewer"});
  const std::string pem = ReadFile(carol.certificate_file);
  const Authorizer certificates_only(AuthenticationSources{.client_certificates = true},
                                     RoleBindings());
  for (const char* header : {"Bearer tok-bob", "Basic Zm9vOmJhcg==", "garbage"}) {
    absl::StatusOr<Identity> identity = certificates_only.Authenticate(
        CallCredentials{.authorization = {std::string(header)}, .client_certificate_pem = pem});
    ASSERT_TRUE(identity.ok()) << header << ": " << identity.status();
    EXPECT_EQ(identity->principal, "carol") << header;
  }
  // Without a certificate, the header still authenticates no one.
  absl::StatusOr<Identity> refused =
      certificates_only.Authenticate(CallCredentials{.authorization = {"Bearer tok-bob"}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthorizerTest, PermissionDeniedNamesMethodRoleNamespaceAndPrincipal) {
  const Identity alice = authorizer_.Authenticate(Bearer("Bearer tok-alice")).value();
  EXPECT_TRUE(authorizer_.Authorize(alice, ApiMethod::kPauseRollout, "shop").ok());
  EXPECT_TRUE(authorizer_.Authorize(alice, ApiMethod::kGetRollout, "shop").ok());
  const absl::Status denied = authorizer_.Authorize(alice, ApiMethod::kApproveRollout, "shop");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "ApproveRollout needs the approver role in namespace \"shop\", which alice does not "
            "hold");
  EXPECT_FALSE(authorizer_.MaySee(alice, "bank"));

  const Identity bob = authorizer_.Authenticate(Bearer("Bearer tok-bob")).value();
  EXPECT_TRUE(authorizer_.Authorize(bob, ApiMethod::kPromoteRollout, "bank").ok());
  EXPECT_TRUE(authorizer_.AuthorizeAnywhere(bob, ApiMethod::kJudge).ok());
  const absl::Status nothing =
      authorizer_.AuthorizeAnywhere(Identity{.principal = "eve"}, ApiMethod::kReplay);
  EXPECT_EQ(nothing.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(nothing.message(),
            "Replay needs the viewer role in some namespace, and eve holds no role");
}

TEST(OpenAuthorizerTest, EveryCallerIsAnonymousWithEveryRole) {
  const Authorizer& open = Authorizer::Open();
  EXPECT_FALSE(open.enabled());
  absl::StatusOr<Identity> identity = open.Authenticate(CallCredentials{});
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->principal, kAnonymous);
  for (ApiMethod method : kAllApiMethods) {
    EXPECT_TRUE(open.Authorize(*identity, method, "any").ok()) << MethodName(method);
  }
  EXPECT_TRUE(open.ViewableNamespaces(*identity).every_namespace);
}

TEST(ApiMethodTest, RolesOfTheMethods) {
  EXPECT_EQ(RequiredRole(ApiMethod::kCreateRollout), Role::kOperator);
  EXPECT_EQ(RequiredRole(ApiMethod::kRetryRollout), Role::kOperator);
  EXPECT_EQ(RequiredRole(ApiMethod::kApproveRollout), Role::kApprover);
  EXPECT_EQ(RequiredRole(ApiMethod::kPromoteRollout), Role::kApprover);
  EXPECT_EQ(RequiredRole(ApiMethod::kWatchRollout), Role::kViewer);
  EXPECT_EQ(RequiredRole(ApiMethod::kReplay), Role::kViewer);
  EXPECT_EQ(MethodName(ApiMethod::kListRollouts), "ListRollouts");
}

}  // namespace
}  // namespace kanarya::auth
