#include "daemon/http/http_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
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
  // Every answer is held until all eight requests have arrived: one call
  // that sent them one after another would never get there.
  lab::ScriptedHttpServer server(
      [](const lab::ScriptedRequest&) { return lab::ScriptedAnswer{.body = "x", .hold = true}; });
  HttpClient client(EndpointConfig{});
  std::vector<HttpRequest> requests(8, HttpRequest{.url = server.url()});
  std::thread releaser([&] {
    EXPECT_TRUE(server.AwaitHeld(8)) << "the requests were not all in flight at once";
    server.Release();
  });
  for (const auto& response : client.Perform(requests)) EXPECT_TRUE(response.ok());
  releaser.join();
}

TEST(HttpClient, ABatchHasAtMostItsAllowanceOfRequestsInFlight) {
  // The server answers up to 8 requests at once (httplib's threads); the
  // client may have 3 in flight, so never more than 3 are answered at once.
  std::atomic<int> in_flight = 0;
  std::atomic<int> most = 0;
  lab::ScriptedHttpServer server([&](const lab::ScriptedRequest&) {
    const int now = in_flight.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    absl::SleepFor(absl::Milliseconds(30));
    in_flight.fetch_sub(1);
    return lab::ScriptedAnswer{.body = "x"};
  });
  HttpClient client(EndpointConfig{.max_in_flight = 3});
  std::vector<HttpRequest> requests(24, HttpRequest{.url = server.url()});
  for (const auto& response : client.Perform(requests)) EXPECT_TRUE(response.ok());
  EXPECT_EQ(server.requests(), 24);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 2);  // still concurrent
}

TEST(HttpClient, FarMoreRequestsThanInFlightEachGetTheirOwnAnswer) {
  // Every tenth is answered 503 the first time, so retries wait among the
  // fresh requests.
  absl::Mutex mutex;
  std::set<std::string> refused;
  lab::ScriptedHttpServer server([&](const lab::ScriptedRequest& r) {
    absl::MutexLock lock(&mutex);
    if (r.path.back() == '7' && refused.insert(r.path).second) {
      return lab::ScriptedAnswer{.status = 503};
    }
    return lab::ScriptedAnswer{.body = r.path};
  });
  HttpClient client(EndpointConfig{
      .max_attempts = 3, .max_in_flight = 4, .initial_backoff = absl::Milliseconds(1)});
  std::vector<HttpRequest> requests;
  requests.reserve(200);
  for (int i = 0; i < 200; ++i) requests.push_back({.url = server.url() + "/" + std::to_string(i)});
  const auto responses = client.Perform(requests);
  ASSERT_EQ(responses.size(), requests.size());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(responses[i].ok()) << i << ": " << responses[i].status();
    EXPECT_EQ(responses[i]->status, 200) << i;
    EXPECT_EQ(responses[i]->body, "/" + std::to_string(i));
  }
  absl::MutexLock lock(&mutex);
  EXPECT_EQ(refused.size(), 20u);
}

TEST(HttpClient, SequentialRequestsAreNotPacedByPolling) {
  // A completed transfer must be noticed when it completes, not on the
  // 100 ms poll timer: paced, every request would take at least 100 ms. Only
  // the fastest of twenty must beat half of that, so a loaded machine that
  // slows down some of them does not fail the test.
  lab::ScriptedHttpServer server(
      [](const lab::ScriptedRequest&) { return lab::ScriptedAnswer{.body = "x"}; });
  HttpClient client(EndpointConfig{});
  HttpRequest get{.url = server.url()};
  HttpRequest post{.method = "POST", .url = server.url(), .body = "query=up"};
  absl::Duration fastest = absl::InfiniteDuration();
  for (int i = 0; i < 20; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_TRUE(client.Perform({i % 2 ? &post : &get, 1})[0].ok());
    fastest = std::min(fastest, absl::Now() - start);
  }
  EXPECT_LT(fastest, absl::Milliseconds(50));
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
  auto response = client.Perform({&request, 1});
  ASSERT_TRUE(response[0].ok());
  EXPECT_EQ(response[0]->body, large);
  // A request that expects a small answer does not offer it.
  request.accept_compressed = false;
  response = client.Perform({&request, 1});
  ASSERT_TRUE(response[0].ok());
  EXPECT_EQ(response[0]->body, "no gzip offered");
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

TEST(HttpClient, OneSlowCallDoesNotHoldUpAnotherCaller) {
  // The answer to /slow is held until released; a call made meanwhile from
  // another thread on the same client must finish first.
  lab::ScriptedHttpServer server([](const lab::ScriptedRequest& r) {
    return lab::ScriptedAnswer{.body = r.path, .hold = r.path == "/slow"};
  });
  HttpClient client(EndpointConfig{});
  std::atomic<bool> slow_done{false};
  absl::StatusOr<HttpResponse> slow;
  std::thread slow_caller([&] {
    slow = client.Perform(HttpRequest{.url = server.url() + "/slow"});
    slow_done = true;
  });
  ASSERT_TRUE(server.AwaitHeld(1));
  const absl::StatusOr<HttpResponse> fast =
      client.Perform(HttpRequest{.url = server.url() + "/fast"});
  EXPECT_FALSE(slow_done) << "the second call waited for the first";
  server.Release();
  slow_caller.join();
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_EQ(fast->body, "/fast");
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->body, "/slow");
}

// Sends one request to a server that always answers `answer` and returns how
// many times the server received it.
int Attempts(HttpRequest request, const lab::ScriptedAnswer& answer) {
  lab::ScriptedHttpServer server([&](const lab::ScriptedRequest&) { return answer; });
  EndpointConfig config;
  config.initial_backoff = absl::Milliseconds(1);
  config.max_backoff = absl::Milliseconds(5);
  HttpClient client(config);
  request.url = server.url() + "/x";
  request.timeout = absl::Seconds(10);
  client.Perform(request).status().IgnoreError();
  return server.requests();
}

TEST(HttpClient, RetriesOnlyWhatIsSafeToRepeat) {
  const lab::ScriptedAnswer bad_gateway{.status = 502, .body = "upstream gone"};
  // The proxy may have passed a non-idempotent request on before failing:
  // sending it again could create a second Event.
  EXPECT_EQ(Attempts({.method = "POST", .body = "{}"}, bad_gateway), 1);
  EXPECT_EQ(Attempts({.method = "PATCH", .body = "{}"}, {.status = 503}), 1);
  EXPECT_EQ(Attempts({.method = "POST", .body = "{}"}, {.status = 504}), 1);
  // Idempotent methods, and a POST declared idempotent (a query), are retried.
  EXPECT_EQ(Attempts({.method = "GET"}, bad_gateway), 3);
  EXPECT_EQ(Attempts({.method = "PUT", .body = "{}"}, {.status = 503}), 3);
  EXPECT_EQ(Attempts({.method = "POST", .idempotent = true, .body = "q"}, bad_gateway), 3);
  // 429: the server refused the request without acting on it.
  EXPECT_EQ(Attempts({.method = "POST", .body = "{}"}, {.status = 429}), 3);
  // A connection cut while the answer arrives: the request was received.
  const lab::ScriptedAnswer cut{.body = std::string(100000, 'x'), .cut_after_bytes = 10};
  EXPECT_EQ(Attempts({.method = "POST", .body = "{}"}, cut), 1);
  EXPECT_EQ(Attempts({.method = "GET"}, cut), 3);
}

TEST(HttpClient, NonIdempotentRequestIsRetriedWhenTheConnectionIsRefused) {
  // Nothing was sent, so sending again is safe: the call takes the whole
  // backoff of three attempts, not one.
  EndpointConfig config;
  config.initial_backoff = absl::Milliseconds(200);
  config.max_backoff = absl::Milliseconds(200);
  HttpClient client(config);
  HttpRequest request{.method = "POST", .url = "http://127.0.0.1:1/", .timeout = absl::Seconds(5)};
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.Perform(request).status().code(), absl::StatusCode::kUnavailable);
  // Two backoffs of at least 200 ms x 0.5 (the jitter's lower end).
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
}

}  // namespace
}  // namespace kanarya::http
