// KubeClient against the lab's Kubernetes API emulator.
#include "daemon/kube/kube_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"
#include "tests/lab/scripted_http_server.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const ObjectRef kReviews{"networking.istio.io", "v1", "virtualservices", "shop", "reviews"};

json VirtualService() {
  return json::parse(R"({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
    "metadata": {"name": "reviews", "annotations": {"team": "shop"}},
    "spec": {"hosts": ["reviews"], "http": [{"name": "primary", "route": [
      {"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
      {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}]}]}})");
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_.AddToken("writer", true);
    api_.AddToken("reader", false);
  }
  KubeClient Client(const std::string& token) {
    return KubeClient(lab::KubeTokenConfig(api_.url(), token));
  }
  lab::KubeApiEmulator api_;
};

TEST_F(KubeClientTest, CreateGetUpdateAndPatch) {
  KubeClient client = Client("writer");
  auto created = client.Create(kReviews, VirtualService());
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string rv = (*created)["metadata"]["resourceVersion"];
  EXPECT_EQ(client.Create(kReviews, VirtualService()).status().code(),
            absl::StatusCode::kAlreadyExists);

  auto fetched = client.Get(kReviews);
  ASSERT_TRUE(fetched.ok());
  json update = *fetched;
  update["spec"]["http"][0]["route"][0]["weight"] = 90;
  update["spec"]["http"][0]["route"][1]["weight"] = 10;
  auto updated = client.Update(kReviews, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE((*updated)["metadata"]["resourceVersion"], rv);
  EXPECT_EQ((*updated)["metadata"]["generation"], 2);

  // The same stale object again: the optimistic write is refused.
  const auto stale = client.Update(kReviews, update);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("the object has been modified"));

  // A JSON patch guarded by a resourceVersion test: the server answers 422
  // when it is stale, which means the object changed (Aborted), not that the
  // request was invalid.
  const json guarded =
      json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}},
                   {{"op", "replace"}, {"path", "/spec/http/0/route/1/weight"}, {"value", 50}}});
  const auto failed_test = client.JsonPatch(kReviews, guarded);
  EXPECT_EQ(failed_test.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(failed_test.status().message(),
              HasSubstr("a test failed: the object changed since it was read): Kubernetes 422 "
                        "Invalid: the server rejected our request due to an error in our "
                        "request"));
  json fresh = guarded;
  fresh[0]["value"] = (*updated)["metadata"]["resourceVersion"];
  auto patched = client.JsonPatch(kReviews, fresh);
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["spec"]["http"][0]["route"][1]["weight"], 50);

  auto merged = client.MergePatch(kReviews, {{"metadata", {{"labels", {{"canary", "true"}}}}}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ((*merged)["metadata"]["annotations"]["team"], "shop");  // untouched
  EXPECT_EQ((*merged)["metadata"]["labels"]["canary"], "true");
}

TEST_F(KubeClientTest, StatusBodiesBecomeTypedErrors) {
  EXPECT_EQ(Client("writer").Get(kReviews).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Client("nobody").Get(kReviews).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Client("reader").Create(kReviews, VirtualService()).status().code(),
            absl::StatusCode::kPermissionDenied);
  ObjectRef v1beta1 = kReviews;
  v1beta1.version = "v1beta1";
  ASSERT_TRUE(Client("writer").Create(kReviews, VirtualService()).ok());
  const auto other_version = Client("reader").Get(v1beta1);
  ASSERT_TRUE(other_version.ok()) << other_version.status();
  EXPECT_EQ((*other_version)["apiVersion"], "networking.istio.io/v1beta1");
}

TEST_F(KubeClientTest, AValidationRejectionIsInvalidArgumentWithTheServersCauses) {
  KubeClient client = Client("writer");
  ASSERT_TRUE(client.Create(kReviews, VirtualService()).ok());
  api_.RejectNextUpdates(1, "spec.http[0].route[1].weight", "10: frozen by policy");
  const json patch =
      json::array({{{"op", "replace"}, {"path", "/spec/http/0/route/1/weight"}, {"value", 10}}});
  const auto rejected = client.JsonPatch(kReviews, patch);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rejected.status().message(),
              HasSubstr("VirtualService.networking.istio.io \"reviews\" is invalid: "
                        "spec.http[0].route[1].weight: Invalid value: 10: frozen by policy"));
}

// A server whose every answer is `status` with `body`, as a proxy or a
// broken server might send.
struct OddServer {
  explicit OddServer(int status, const std::string& body)
      : server([status, body](const lab::ScriptedRequest&) {
          return lab::ScriptedAnswer{.status = status, .body = body};
        }) {}
  KubeClient Client() {
    KubeConfig config;
    config.server = server.url();
    config.endpoint.max_attempts = 1;
    return KubeClient(config);
  }
  lab::ScriptedHttpServer server;
};

TEST(KubeClientMalformedAnswers, StatusBodiesOfAnyShapeAreStatuses) {
  const std::string html_page = "<html><body>502 Bad Gateway: f\xFCr " + std::string(5000, 'x') +
                                " \xE2\x82\xAC</body></html>";
  const struct {
    int http_status;
    std::string body;
    absl::StatusCode code;
  } cases[] = {
      {500, R"({"kind": "Status", "message": 42, "reason": ["InternalError"]})",
       absl::StatusCode::kUnavailable},
      {404, R"({"kind": "Status", "message": "gone", "details": "none"})",
       absl::StatusCode::kNotFound},
      {422, R"({"kind": "Status", "reason": "Invalid", "details": {"causes": "many"}})",
       absl::StatusCode::kInvalidArgument},
      {422, R"({"kind": "Status", "reason": "Invalid", "details": {"causes": [7, {"field": 1}]}})",
       absl::StatusCode::kInvalidArgument},
      {409, R"([1, 2, 3])", absl::StatusCode::kAborted},
      {403, R"("forbidden")", absl::StatusCode::kPermissionDenied},
      {502, html_page, absl::StatusCode::kUnavailable},
      {200, R"([{"not": "an object"}])", absl::StatusCode::kDataLoss},
      {200, "\xFF\xFE", absl::StatusCode::kDataLoss},
  };
  for (const auto& c : cases) {
    OddServer odd(c.http_status, c.body);
    const absl::StatusOr<json> got = odd.Client().Get(kReviews);
    EXPECT_EQ(got.status().code(), c.code) << c.body.substr(0, 80);
    // The message can travel in JSON (an Event) as it is.
    EXPECT_NO_THROW(json(std::string(got.status().message())).dump()) << c.body.substr(0, 80);
    EXPECT_LE(got.status().message().size(), 2200u);
  }
  OddServer proxy(502, html_page);
  EXPECT_THAT(proxy.Client().Get(kReviews).status().message(),
              HasSubstr("Kubernetes HTTP 502: <html><body>502 Bad Gateway: f\xEF\xBF\xBDr xxx"));
}

TEST(KubeClientMalformedAnswers, DiscoveryDocumentsOfAnyShapeAreStatuses) {
  for (const std::string body :
       {R"({"versions": [1, 2]})", R"({"versions": {"v1": true}})", R"({"preferredVersion": "v1"})",
        R"({"preferredVersion": {"version": 1}})", R"({"versions": [{"version": ["v1"]}]})"}) {
    OddServer odd(200, body);
    const auto versions = odd.Client().ServedVersions("networking.istio.io");
    EXPECT_EQ(versions.status().code(), absl::StatusCode::kInvalidArgument) << body;
  }
  OddServer good(200, R"({"preferredVersion": {"version": "v1"}, "versions": [null,
                          {"version": "v1beta1"}, {"version": "v1"}]})");
  EXPECT_EQ(*good.Client().ServedVersions("networking.istio.io"),
            (std::vector<std::string>{"v1", "v1beta1"}));
}

TEST_F(KubeClientTest, RotatedServiceAccountTokenIsPickedUp) {
  const std::string token = std::filesystem::temp_directory_path() / "kanarya-kube-token";
  std::ofstream(token) << "writer";
  KubeConfig config;
  config.server = api_.url();
  config.endpoint.bearer_token_file = token;
  KubeClient client(config);
  ASSERT_TRUE(client.Create(kReviews, VirtualService()).ok());
  api_.RemoveToken("writer");
  api_.AddToken("rotated", true);
  EXPECT_EQ(client.Get(kReviews).status().code(), absl::StatusCode::kUnauthenticated);
  std::filesystem::last_write_time(
      token, std::filesystem::file_time_type::clock::now() - std::chrono::seconds(10));
  std::ofstream(token) << "rotated";
  EXPECT_TRUE(client.Get(kReviews).ok());
  std::filesystem::remove(token);
}

std::string Base64OfFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return absl::Base64Escape(contents.str());
}

// A kubeconfig that carries its CA, client certificate and key inline, as
// kind and kubeadm write them, against an HTTPS server that verifies them.
TEST(KubeClientTls, ClientCertificateAndCaFromKubeconfigData) {
  const lab::TestCertificate tls;
  lab::KubeApiEmulator api(tls.certificate_file(), tls.key_file(), tls.certificate_file());
  api.AddCertificateUser("kanarya-deployer", true);
  api.AddToken("reader", false);
  const auto deployer = tls.IssueClientCertificate("kanarya-deployer");
  const auto stranger = tls.IssueClientCertificate("stranger");
  const std::string path = std::filesystem::temp_directory_path() / "kanarya-mtls-kubeconfig";
  const auto write_kubeconfig = [&](const lab::TestCertificate::Issued& user) {
    std::ofstream(path) << "current-context: lab\n"
                        << "contexts: [{name: lab, context: {cluster: lab, user: u}}]\n"
                        << "clusters: [{name: lab, cluster: {server: " << api.url()
                        << ", certificate-authority-data: " << Base64OfFile(tls.certificate_file())
                        << "}}]\n"
                        << "users: [{name: u, user: {client-certificate-data: "
                        << Base64OfFile(user.certificate_file)
                        << ", client-key-data: " << Base64OfFile(user.key_file) << "}}]\n";
  };

  write_kubeconfig(deployer);
  auto config = KubeconfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->endpoint.client_certificate_pem.starts_with("-----BEGIN CERTIFICATE"));
  auto created = KubeClient(*config).Create(kReviews, VirtualService());
  ASSERT_TRUE(created.ok()) << created.status();

  write_kubeconfig(stranger);  // signed by the CA, but no such user
  EXPECT_EQ(KubeClient(*KubeconfigFile(path)).Get(kReviews).status().code(),
            absl::StatusCode::kUnauthenticated);

  // Certificates are asked for, not required: a token still works.
  KubeConfig token_config = *config;
  token_config.endpoint.client_certificate_pem.clear();
  token_config.endpoint.client_key_pem.clear();
  token_config.endpoint.extra_headers = {{"Authorization", "Bearer reader"}};
  EXPECT_TRUE(KubeClient(token_config).Get(kReviews).ok());
  std::filesystem::remove(path);
}

TEST(KubeClientThrottling, TooManyRequestsHonoursRetryAfter) {
  lab::ScriptedHttpServer api([](const lab::ScriptedRequest& r) {
    if (r.number == 0) {
      return lab::ScriptedAnswer{
          .status = 429,
          .body = R"({"kind":"Status","status":"Failure","reason":"TooManyRequests","code":429})",
          .headers = {{"Retry-After", "1"}}};
    }
    return lab::ScriptedAnswer{.body = R"({"metadata": {"name": "reviews"}})"};
  });
  KubeConfig config;
  config.server = api.url();
  KubeClient client(config);
  const absl::Time start = absl::Now();
  const auto result = client.Get(kReviews);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(api.requests(), 2);
  // The server asked for a second; the default backoff alone is ~100 ms.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(950));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace kanarya::kube
