#include "daemon/http/http_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/lab/scripted_http_server.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::http {
namespace {

std::string Header(const lab::ScriptedRequest& r, const std::string& name) {
  const auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

TEST(HttpClient, SendsCredentialsAndRereadsTheTokenFileWhenItChanges) {
  const std::string token_file = std::filesystem::temp_directory_path() / "kanarya-token-test";
  std::ofstream(token_file) << "first-token\n";
  EndpointConfig config;
  config.bearer_token_file = token_file;
  config.extra_headers = {{"X-Scope-OrgID", "tenant-a"}};
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest& r) {
    return lab::ScriptedAnswer{.body =
                                   Header(r, "Authorization") + "|" + Header(r, "X-Scope-OrgID")};
  });
  HttpClient client(config);  // closes its connections before the server stops
  HttpRequest request{.url = server.url() + "/x"};
  auto response = client.Perform({&request, 1});
  ASSERT_TRUE(response[0].ok()) << response[0].status();
  EXPECT_EQ(response[0]->body, "Bearer first-token|tenant-a");

  // A rotated token (new contents, new modification time) is picked up.
  std::filesystem::last_write_time(
      token_file, std::filesystem::file_time_type::clock::now() - std::chrono::seconds(5));
  std::ofstream(token_file) << "second-token";
  response = client.Perform({&request, 1});
  ASSERT_TRUE(response[0].ok());
  EXPECT_EQ(response[0]->body, "Bearer second-token|tenant-a");

  // A token file that disappeared is an authentication failure, not a
  // request without credentials.
  std::filesystem::remove(token_file);
  response = client.Perform({&request, 1});
  EXPECT_EQ(response[0].status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClient, BasicAuth) {
  EndpointConfig config;
  config.basic_auth_user = "kanarya";
  config.basic_auth_password = "s3cret";
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest& r) {
    return lab::ScriptedAnswer{.body = Header(r, "Authorization")};
  });
  HttpClient client(config);
  HttpRequest request{.url = server.url()};
  const auto response = client.Perform({&request, 1});
  ASSERT_TRUE(response[0].ok());
  EXPECT_EQ(response[0]->body, "Basic a2FuYXJ5YTpzM2NyZXQ=");
}

TEST(HttpClient, RequestsRunConcurrentlyOnOneThread) {
  // Twenty requests that each take 300 ms finish in far less than 20 x 300 ms.
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest&) {
    return lab::ScriptedAnswer{.body = "x", .delay_ms = 300};
  });
  HttpClient client(EndpointConfig{});
  std::vector<HttpRequest> requests(8, HttpRequest{.url = server.url()});
  const absl::Time start = absl::Now();
  for (const auto& response : client.Perform(requests)) EXPECT_TRUE(response.ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(HttpClient, SequentialRequestsAreNotPacedByPolling) {
  // A completed transfer must be noticed when it completes, not on a timer.
  lab::ScriptedHttpServer server(
      [](const lab::ScriptedRequest&) { return lab::ScriptedAnswer{.body = "x"}; });
  HttpClient client(EndpointConfig{});
  HttpRequest get{.url = server.url()};
  HttpRequest post{.method = "POST", .url = server.url(), .body = "query=up"};
  const absl::Time start = absl::Now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(client.Perform({i % 2 ? &post : &get, 1})[0].ok());
  }
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

TEST(HttpClient, TlsIsVerifiedWithTheConfiguredCaFile) {
  const lab::TestCertificate certificate;
  lab::ScriptedHttpServer server(
      [](const lab::ScriptedRequest&) { return lab::ScriptedAnswer{.body = "secure"}; },
      certificate.certificate_file(), certificate.key_file());
  HttpRequest request{.url = server.url()};
  {
    HttpClient unverified(EndpointConfig{});
    EXPECT_EQ(unverified.Perform({&request, 1})[0].status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  {
    EndpointConfig config;
    config.ca_file = certificate.certificate_file();
    HttpClient verified(config);
    const auto response = verified.Perform({&request, 1});
    ASSERT_TRUE(response[0].ok()) << response[0].status();
    EXPECT_EQ(response[0]->body, "secure");
  }
  {
    EndpointConfig config;
    config.insecure_skip_tls_verify = true;
    HttpClient insecure(config);
    EXPECT_TRUE(insecure.Perform({&request, 1})[0].ok());
  }
}

TEST(HttpClient, AcceptsGzipAndDecodesIt) {
  const std::string large(200000, 'k');
  lab::ScriptedHttpServer server([&](const lab::ScriptedRequest& r) {
    // The lab's server compresses when the client accepts gzip.
    return lab::ScriptedAnswer{
        .body = Header(r, "Accept-Encoding").find("gzip") != std::string::npos
                    ? large
                    : std::string("no gzip offered"),
        .content_type = "text/plain"};
  });
  HttpClient client(EndpointConfig{});
  HttpRequest request{.url = server.url()};
  const auto response = client.Perform({&request, 1});
  ASSERT_TRUE(response[0].ok());
  EXPECT_EQ(response[0]->body, large);
}

TEST(HttpClient, ConnectionRefusedIsUnavailableAfterBoundedRetries) {
  EndpointConfig config;
  config.initial_backoff = absl::Milliseconds(5);
  HttpClient client(config);
  HttpRequest request{.url = "http://127.0.0.1:1/", .timeout = absl::Seconds(5)};
  const absl::Time start = absl::Now();
  const auto response = client.Perform({&request, 1});
  EXPECT_EQ(response[0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

}  // namespace
}  // namespace kanarya::http
