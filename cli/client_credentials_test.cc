// kanaryactl's credentials: where the token and TLS material come from, and
// what a user sees against a daemon that authenticates — the gRPC code and
// the server's message on refusal, exit 1 — and the audit trail in
// `describe`.
#include "cli/client_credentials.h"

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/action_commands.h"
#include "cli/exit_codes.h"
#include "cli/rollout_commands.h"
#include "daemon/api/api_test_server.h"
#include "daemon/api/rollout_service.h"
#include "daemon/api/server.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/fake_rollout_controller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

// getenv over a fixed map.
std::function<const char*(const char*)> Environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST(ClientCredentialsTest, TheTokenFileWinsOverTheEnvironment) {
  ClientOptions options;
  const std::string file = WriteTempFile("token", "  tok-from-file\n");
  ASSERT_TRUE(
      LoadCredentials({.token_file = file}, Environment({{"KANARYA_TOKEN", "tok-env"}}), options)
          .ok());
  EXPECT_EQ(options.token, "tok-from-file");
  ASSERT_TRUE(LoadCredentials({}, Environment({{"KANARYA_TOKEN", "tok-env"}}), options).ok());
  EXPECT_EQ(options.token, "tok-env");
  ASSERT_TRUE(LoadCredentials({}, Environment({}), options).ok());
  EXPECT_EQ(options.token, "");
  EXPECT_FALSE(options.tls.has_value());
}

TEST(ClientCredentialsTest, BadTokensAndTlsFlagsNameTheirSourceNeverTheToken) {
  const struct {
    CredentialFlags flags;
    std::map<std::string, std::string> environment;
    std::string message;
  } cases[] = {
      {{.token_file = "/nonexistent/token"},
       {},
       "--token_file: cannot read \"/nonexistent/token\""},
      {{.token_file = WriteTempFile("empty-token", "\n")}, {}, "the token is empty"},
      {{.token_file = WriteTempFile("two-tokens", "secret-one\nsecret-two\n")},
       {},
       "must hold just the token"},
      {{}, {{"KANARYA_TOKEN", "secret with space"}}, "KANARYA_TOKEN: must hold just the token"},
      {{.tls_cert = "/c.pem"}, {}, "--tls_key: required with --tls_cert"},
      {{.tls_key = "/k.pem"}, {}, "--tls_cert: required with --tls_key"},
      {{.tls_ca = "/nonexistent/ca.pem"}, {}, "--tls_ca: cannot read \"/nonexistent/ca.pem\""},
  };
  for (const auto& c : cases) {
    ClientOptions options;
    const absl::Status loaded = LoadCredentials(c.flags, Environment(c.environment), options);
    EXPECT_EQ(loaded.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(loaded.message(), HasSubstr(c.message));
    EXPECT_THAT(loaded.message(), Not(HasSubstr("secret")));
  }
}

TEST(ClientCredentialsTest, AnyTlsFlagTurnsTlsOn) {
  lab::TestCertificate ca;
  ClientOptions options;
  ASSERT_TRUE(LoadCredentials({.tls = true}, Environment({}), options).ok());
  ASSERT_TRUE(options.tls.has_value());
  EXPECT_TRUE(options.tls->ca_pem.empty());  // the system's roots
  ASSERT_TRUE(LoadCredentials({.tls_ca = ca.certificate_file(),
                               .tls_cert = ca.certificate_file(),
                               .tls_key = ca.key_file(),
                               .tls_server_name = "kanaryad.example"},
                              Environment({}), options)
                  .ok());
  ASSERT_TRUE(options.tls.has_value());
  EXPECT_THAT(options.tls->ca_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(options.tls->certificate_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(options.tls->key_pem, HasSubstr("PRIVATE KEY"));
  EXPECT_EQ(options.tls->server_name, "kanaryad.example");
}

constexpr char kSpec[] = R"(
target:
  namespace: shop
  virtual_service: web
  stable: {host: web, subset: stable}
  canary: {host: web, subset: canary}
revision: v2
)";

class AuthenticatedClientTest : public ::testing::Test {
 protected:
  ClientOptions As(const std::string& token) const {
    ClientOptions options;
    options.server = server_.address();
    options.request_timeout = absl::Seconds(5);
    options.token = token;
    return options;
  }

  struct Outcome {
    int code;
    std::string out;
    std::string err;
  };
  Outcome Act(Action action, const std::string& token) {
    std::ostringstream out, err;
    const int code =
        RunAction(As(token), action, "rollout-1", {.reason = "checking dashboards"}, out, err);
    return {code, out.str(), err.str()};
  }

  api::testing::TokenFileForTest tokens_{
      "tok-otto-3b9,otto,1,kanarya:operator:shop\ntok-vera-1c7,vera,2,kanarya:viewer:shop\n"};
  api::testing::FakeRolloutController controller_;
  api::testing::ApiTestServer server_{controller_, tokens_.authorizer()};
};

TEST_F(AuthenticatedClientTest, RefusalsPrintTheCodeAndTheServersMessageAndExitOne) {
  std::ostringstream out, err;
  ASSERT_EQ(RunApply(As("tok-otto-3b9"), kSpec, {.reason = "release 7"}, out, err), kExitOk)
      << err.str();

  const Outcome viewer = Act(Action::kPause, "tok-vera-1c7");
  EXPECT_EQ(viewer.code, kExitFailure);
  EXPECT_EQ(viewer.err,
            "kanaryactl pause: PERMISSION_DENIED: PauseRollout needs the operator role in "
            "namespace \"shop\", which vera does not hold\n");
  const Outcome anonymous = Act(Action::kPause, "");
  EXPECT_EQ(anonymous.code, kExitFailure);
  EXPECT_THAT(anonymous.err,
              HasSubstr("kanaryactl pause: UNAUTHENTICATED: authentication required"));
  const Outcome forged = Act(Action::kPause, "tok-forged-9");
  EXPECT_EQ(forged.code, kExitFailure);
  EXPECT_THAT(forged.err, HasSubstr("UNAUTHENTICATED: the bearer token is not valid"));
  EXPECT_THAT(forged.err, Not(HasSubstr("tok-forged-9")));

  const Outcome paused = Act(Action::kPause, "tok-otto-3b9");
  EXPECT_EQ(paused.code, kExitOk) << paused.err;

  // describe shows who did what, as which role, and why.
  std::ostringstream described, described_err;
  ASSERT_EQ(RunDescribe(As("tok-vera-1c7"), "rollout-1", 100, described, described_err), kExitOk)
      << described_err.str();
  EXPECT_THAT(described.str(), HasSubstr("PauseRollout by otto as operator"));
  EXPECT_THAT(described.str(), HasSubstr("(checking dashboards)"));
  EXPECT_THAT(described.str(), HasSubstr("Created:"));
  EXPECT_THAT(described.str(), HasSubstr(" by otto "));
}

// A daemon serving TLS, and mTLS beside bearer tokens, as kanaryactl meets
// it: the CA from --tls_ca, a client certificate from --tls_cert/--tls_key.
TEST(ClientTlsTest, TokensOverTlsAndClientCertificates) {
  lab::TestCertificate ca;
  const std::string ca_pem = api::testing::ReadTextFile(ca.certificate_file());
  api::testing::TokenFileForTest tokens("tok-vera-1c7,vera,2,kanarya:viewer:shop\n");
  const auth::Authorizer authorizer(
      auth::AuthenticationSources{.tokens = [&] { return tokens.watcher().Current(); },
                                  .client_certificates = true},
      auth::RoleBindings());
  api::testing::FakeRolloutController controller;
  api::RolloutService rollouts(controller, authorizer);
  absl::StatusOr<std::unique_ptr<api::GrpcServer>> server = api::GrpcServer::Start(
      "127.0.0.1:0", {{v1::RolloutService::service_full_name(), &rollouts}}, {},
      api::TlsSettings{.certificate_chain_pem = ca_pem,
                       .private_key_pem = api::testing::ReadTextFile(ca.key_file()),
                       .client_ca_pem = ca_pem});
  ASSERT_TRUE(server.ok()) << server.status();
  const lab::TestCertificate::Issued bot =
      ca.IssueClientCertificate("deploy-bot", {"kanarya:operator:shop"});

  auto run = [&](const CredentialFlags& flags, const std::map<std::string, std::string>& env) {
    ClientOptions options;
    options.server = absl::StrCat("127.0.0.1:", (*server)->port());
    options.request_timeout = absl::Seconds(5);
    EXPECT_TRUE(LoadCredentials(flags, Environment(env), options).ok());
    std::ostringstream out, err;
    const int code = RunApply(options, kSpec, {}, out, err);
    return std::pair(code, err.str());
  };
  // The certificate's subject is an operator in shop: it may create.
  auto [created, created_err] = run(
      {.tls_ca = ca.certificate_file(), .tls_cert = bot.certificate_file, .tls_key = bot.key_file},
      {});
  EXPECT_EQ(created, kExitOk) << created_err;
  // A viewer's token over TLS is known but may not.
  auto [viewer, viewer_err] =
      run({.tls_ca = ca.certificate_file()}, {{"KANARYA_TOKEN", "tok-vera-1c7"}});
  EXPECT_EQ(viewer, kExitFailure);
  EXPECT_THAT(viewer_err, HasSubstr("PERMISSION_DENIED: CreateRollout needs the operator role"));
  // Plaintext against the TLS port: no answer.
  auto [plaintext, plaintext_err] = run({}, {{"KANARYA_TOKEN", "tok-vera-1c7"}});
  EXPECT_EQ(plaintext, kExitUnreachable);
  EXPECT_THAT(plaintext_err, HasSubstr("UNAVAILABLE: the daemon at"));
}

}  // namespace
}  // namespace kanarya::cli
