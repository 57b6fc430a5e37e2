// TLS and mutual TLS handshakes with throwaway certificates over loopback:
// token clients over TLS, client certificates mapped to principals by their
// subject, and clients that plaintext, an unknown server or a certificate
// from another CA keep out.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/api/judge_service.h"
#include "daemon/api/rollout_service.h"
#include "daemon/api/server.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/permissive_controller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::api {
namespace {

using testing::ContextWithToken;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReadTextFile;

// A client's TLS: the CA it trusts, and optionally its own certificate.
struct ClientTls {
  std::string root_pem;
  std::string certificate_pem;
  std::string key_pem;
};

ClientTls WithCertificate(const std::string& root_pem, const lab::TestCertificate::Issued& issued) {
  return {root_pem, ReadTextFile(issued.certificate_file), ReadTextFile(issued.key_file)};
}

class TlsServerTest : public ::testing::Test {
 protected:
  // Serves RolloutService with TLS from `ca_` (its certificate is the
  // server's and, when `client_ca`, the client CA) and `authorizer`.
  void Serve(const auth::Authorizer& authorizer, bool client_ca, bool require_client_certificate) {
    rollouts_ = std::make_unique<RolloutService>(controller_, authorizer, absl::Milliseconds(50));
    TlsSettings tls{.certificate_chain_pem = ca_pem_,
                    .private_key_pem = ReadTextFile(ca_.key_file()),
                    .client_ca_pem = client_ca ? ca_pem_ : "",
                    .require_client_certificate = require_client_certificate};
    absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
        "127.0.0.1:0", {{v1::RolloutService::service_full_name(), rollouts_.get()}}, {}, tls);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::string Address() const { return absl::StrCat("127.0.0.1:", server_->port()); }

  // PauseRollout of shop-web through a fresh channel.
  grpc::Status Pause(const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                     const std::string& token = "") {
    auto stub = v1::RolloutService::NewStub(grpc::CreateChannel(Address(), credentials));
    v1::PauseRolloutRequest request;
    request.set_name("shop-web");
    v1::PauseRolloutResponse response;
    return stub->PauseRollout(ContextWithToken(token).get(), request, &response);
  }
  static std::shared_ptr<grpc::ChannelCredentials> Tls(const ClientTls& tls) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = tls.root_pem;
    options.pem_cert_chain = tls.certificate_pem;
    options.pem_private_key = tls.key_pem;
    return grpc::SslCredentials(options);
  }

  lab::TestCertificate ca_;
  lab::TestCertificate other_ca_;
  const std::string ca_pem_ = ReadTextFile(ca_.certificate_file());
  testing::PermissiveController controller_;
  std::unique_ptr<RolloutService> rollouts_;
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(TlsServerTest, TokenClientsOverTlsAndNoPlaintextOrUnknownServer) {
  testing::TokenFileForTest tokens("tok-otto,otto,1,kanarya:operator:shop\n");
  Serve(tokens.authorizer(), /*client_ca=*/false, /*require_client_certificate=*/false);
  const grpc::Status served = Pause(Tls({ca_pem_}), "tok-otto");
  EXPECT_TRUE(served.ok()) << served.error_message();
  EXPECT_THAT(controller_.calls(), ElementsAre("PauseRollout otto/operator"));
  EXPECT_EQ(Pause(Tls({ca_pem_}), "").error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // The handshake fails: the call never reaches the service.
  EXPECT_EQ(Pause(grpc::InsecureChannelCredentials(), "tok-otto").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  const std::string other_pem = ReadTextFile(other_ca_.certificate_file());
  EXPECT_EQ(Pause(Tls({other_pem}), "tok-otto").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(controller_.calls().size(), 1u);
}

TEST_F(TlsServerTest, ClientCertificateSubjectsArePrincipalsAndAnotherCaIsRefused) {
  const auth::Authorizer authorizer(auth::AuthenticationSources{.client_certificates = true},
                                    auth::RoleBindings());
  Serve(authorizer, /*client_ca=*/true, /*require_client_certificate=*/true);

  const grpc::Status bot = Pause(Tls(WithCertificate(
      ca_pem_, ca_.IssueClientCertificate("deploy-bot", {"kanarya:operator:shop", "ci"}))));
  EXPECT_TRUE(bot.ok()) << bot.error_message();
  EXPECT_THAT(controller_.calls(), ElementsAre("PauseRollout deploy-bot/operator"));

  const grpc::Status reader = Pause(
      Tls(WithCertificate(ca_pem_, ca_.IssueClientCertificate("reader", {"kanarya:viewer:shop"}))));
  EXPECT_EQ(reader.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(reader.error_message(), HasSubstr("operator role in namespace \"shop\""));
  EXPECT_THAT(reader.error_message(), HasSubstr("reader"));

  // No certificate, or one another CA signed: no handshake.
  EXPECT_EQ(Pause(Tls({ca_pem_})).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Pause(Tls(WithCertificate(
                      ca_pem_, other_ca_.IssueClientCertificate("mallory", {"kanarya:operator"}))))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(controller_.calls().size(), 1u);
}

TEST_F(TlsServerTest, OptionalClientCertificatesBesideTokens) {
  testing::TokenFileForTest tokens("tok-otto,otto,1,kanarya:operator:shop\n");
  const auth::Authorizer authorizer(
      auth::AuthenticationSources{.tokens = [&] { return tokens.watcher().Current(); },
                                  .client_certificates = true},
      auth::RoleBindings());
  Serve(authorizer, /*client_ca=*/true, /*require_client_certificate=*/false);

  EXPECT_TRUE(Pause(Tls({ca_pem_}), "tok-otto").ok());
  const grpc::Status anonymous = Pause(Tls({ca_pem_}));
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(anonymous.error_message(),
              HasSubstr("send \"authorization: Bearer TOKEN\" or a client certificate"));
  EXPECT_TRUE(Pause(Tls(WithCertificate(
                        ca_pem_, ca_.IssueClientCertificate("deploy-bot", {"kanarya:operator"}))))
                  .ok());
  // A presented certificate is verified even though a token would do.
  EXPECT_EQ(
      Pause(Tls(WithCertificate(ca_pem_, other_ca_.IssueClientCertificate("mallory"))), "tok-otto")
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(controller_.calls(),
              ElementsAre("PauseRollout otto/operator", "PauseRollout deploy-bot/operator"));
}

}  // namespace
}  // namespace kanarya::api
