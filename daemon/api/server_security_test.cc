#include "daemon/api/server_security.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

absl::StatusOr<ServerSecurity> Secure(const SecurityFlags& flags,
                                      std::vector<auth::RoleBinding> bindings = {}) {
  return SetUpSecurity(flags, std::move(bindings),
                       [](auth::TokenFileWatcher::Outcome, const std::string&) {});
}

TEST(ServerSecurityTest, LoopbackHosts) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "localhost", "[::1]", "::1", "[::ffff:127.0.0.1]"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"", "0.0.0.0", "[::]", "10.0.0.1", "kanarya.example", "127.0.0.1.nip.io",
                           "[::ffff:10.0.0.1]", "128.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(ServerSecurityTest, WithoutAuthenticationOnlyLoopbackUnlessInsecureListenAny) {
  absl::StatusOr<ServerSecurity> loopback = Secure({.grpc_address = "127.0.0.1:7443"});
  ASSERT_TRUE(loopback.ok()) << loopback.status();
  EXPECT_FALSE(loopback->authorizer->enabled());
  EXPECT_FALSE(loopback->tls.has_value());
  EXPECT_TRUE(loopback->warnings.empty());
  EXPECT_THAT(loopback->summary,
              ::testing::Eq("authentication: none, every caller acts as anonymous with every "
                            "role; serving loopback only"));

  absl::StatusOr<ServerSecurity> any = Secure({.grpc_address = "0.0.0.0:7443"});
  ASSERT_FALSE(any.ok());
  EXPECT_EQ(any.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(any.status().message(),
              HasSubstr("--grpc_address: \"0.0.0.0\" is not a loopback address and no "
                        "authentication is configured"));
  EXPECT_THAT(any.status().message(), HasSubstr("--insecure_listen_any"));
  EXPECT_FALSE(Secure({.grpc_address = ":7443"}).ok());

  absl::StatusOr<ServerSecurity> forced =
      Secure({.grpc_address = "[::]:7443", .insecure_listen_any = true});
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_THAT(forced->summary, HasSubstr("--insecure_listen_any: serving \"[::]\" to anyone"));

  absl::StatusOr<ServerSecurity> bindings = Secure(
      {.grpc_address = "127.0.0.1:7443"}, {{.principal = "alice", .role = auth::Role::kViewer}});
  ASSERT_FALSE(bindings.ok());
  EXPECT_THAT(bindings.status().message(),
              HasSubstr("auth.bindings: set, but no authentication is configured"));
}

TEST(ServerSecurityTest, BadFlagCombinationsAndFilesNameTheFlag) {
  const struct {
    SecurityFlags flags;
    std::string message;
  } cases[] = {
      {{.grpc_address = "127.0.0.1:1", .tls_cert = "/c.pem"},
       "--tls_key: required with --tls_cert"},
      {{.grpc_address = "127.0.0.1:1", .tls_key = "/k.pem"}, "--tls_cert: required with --tls_key"},
      {{.grpc_address = "127.0.0.1:1", .client_ca = "/ca.pem"},
       "--client_ca: needs --tls_cert and --tls_key"},
      {{.grpc_address = "127.0.0.1:1", .tls_cert = "/nonexistent/c.pem", .tls_key = "/k.pem"},
       "--tls_cert: cannot read \"/nonexistent/c.pem\""},
      {{.grpc_address = "127.0.0.1:1", .token_file = "/nonexistent/tokens.csv"},
       "--token_file: /nonexistent/tokens.csv: cannot be read"},
      {{.grpc_address = "127.0.0.1:1",
        .token_file = WriteTempFile("bad-tokens.csv", "ok,a,1\nsecret-1,b\n")},
       "bad-tokens.csv: line 2: needs at least 3 columns"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<ServerSecurity> security = Secure(c.flags);
    ASSERT_FALSE(security.ok()) << c.message;
    EXPECT_EQ(security.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(security.status().message(), HasSubstr(c.message));
    EXPECT_THAT(security.status().message(), ::testing::Not(HasSubstr("secret")));
  }
}

TEST(ServerSecurityTest, TokensAndClientCertificatesEnableAuthentication) {
  const std::string tokens = WriteTempFile("tokens.csv", "tok-a,alice,1,kanarya:viewer\n");
  absl::StatusOr<ServerSecurity> plaintext =
      Secure({.grpc_address = "0.0.0.0:7443", .token_file = tokens});
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_TRUE(plaintext->authorizer->enabled());
  ASSERT_NE(plaintext->tokens, nullptr);
  EXPECT_THAT(plaintext->summary,
              HasSubstr("authentication: bearer tokens from " + tokens + " (1 token(s)"));
  EXPECT_THAT(plaintext->summary, HasSubstr("TLS off"));
  EXPECT_THAT(plaintext->summary, ::testing::Not(HasSubstr("tok-a")));
  EXPECT_THAT(plaintext->warnings,
              ElementsAre("bearer tokens cross the network in plaintext: \"0.0.0.0\" is not "
                          "loopback and no --tls_cert is set"));

  lab::TestCertificate ca;
  const SecurityFlags mtls{.grpc_address = "0.0.0.0:7443",
                           .tls_cert = ca.certificate_file(),
                           .tls_key = ca.key_file(),
                           .client_ca = ca.certificate_file()};
  absl::StatusOr<ServerSecurity> certificates_only = Secure(mtls);
  ASSERT_TRUE(certificates_only.ok()) << certificates_only.status();
  ASSERT_TRUE(certificates_only->tls.has_value());
  EXPECT_TRUE(certificates_only->tls->require_client_certificate);
  EXPECT_THAT(certificates_only->tls->client_ca_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(certificates_only->summary,
              HasSubstr("client certificates signed by " + ca.certificate_file() +
                        " (required); 0 role binding(s)"));
  EXPECT_TRUE(certificates_only->warnings.empty());

  SecurityFlags both = mtls;
  both.token_file = tokens;
  absl::StatusOr<ServerSecurity> either = Secure(both);
  ASSERT_TRUE(either.ok()) << either.status();
  EXPECT_FALSE(either->tls->require_client_certificate);  // token clients have none
  EXPECT_THAT(either->summary, HasSubstr("TLS on"));
  EXPECT_TRUE(either->warnings.empty());
  EXPECT_THAT(
      Secure({.grpc_address = "127.0.0.1:1", .token_file = tokens, .insecure_listen_any = true})
          ->warnings,
      ElementsAre("--insecure_listen_any has no effect: authentication is configured"));
  EXPECT_TRUE(Secure({.grpc_address = "127.0.0.1:1", .token_file = tokens})->warnings.empty());
}

}  // namespace
}  // namespace kanarya::api
