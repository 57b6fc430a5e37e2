// HTTP for every outbound call of the daemon (Prometheus, Loki, the Kubernetes
// API): libcurl's multi interface runs many requests at once on the calling
// thread, reusing connections between calls, with per-request deadlines,
// bounded jittered retries of transient failures only (and of requests that
// are not idempotent only when the server cannot have acted on them), a
// response size limit, gzip, and the endpoint's authentication and TLS
// settings.
//
// Thread safety: Perform() may be called from several threads at once; the
// calls proceed concurrently, each on a connection pool of its own that is
// kept for later calls.
#ifndef KANARYA_DAEMON_HTTP_HTTP_CLIENT_H_
#define KANARYA_DAEMON_HTTP_HTTP_CLIENT_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kanarya::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE, HEAD
  // Whether sending the request twice has the effect of sending it once.
  // Unset: by the method (RFC 9110: GET, HEAD, PUT, DELETE are; POST and
  // PATCH are not). A read-only POST (a Prometheus query) sets it.
  std::optional<bool> idempotent;
  std::string url;
  Headers headers;
  std::string body;  // sent with any method but GET
  // The whole exchange, retries included, must end by then.
  absl::Duration timeout = absl::Seconds(30);
  // Offer to take the answer compressed (gzip, deflate). Worth it for a large
  // answer; for a small one the server spends more than it saves (Prometheus
  // answers a one-series instant query several times slower with gzip).
  bool accept_compressed = true;
};

struct HttpResponse {
  long status = 0;  // NOLINT(google-runtime-int): curl's type
  std::string body;
  std::string content_type;
};

// Settings of one endpoint, applied to every request sent through a client.
struct EndpointConfig {
  // Bearer token read from this file, re-read whenever the file changes.
  std::string bearer_token_file;
  std::string basic_auth_user;
  std::string basic_auth_password;
  Headers extra_headers;
  std::string ca_file;  // PEM bundle to verify the server with
  std::string ca_pem;   // or the bundle itself (kubeconfig certificate-authority-data)
  std::string client_certificate_file;  // PEM client certificate and key (mTLS)
  std::string client_key_file;
  std::string client_certificate_pem;  // or the PEM themselves (kubeconfig *-data)
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;  // tests only
  size_t max_response_bytes = 64 << 20;
  // Attempts per request for transient failures; other answers are returned
  // as they are. Idempotent requests are retried after connection errors and
  // HTTP 429, 502, 503, 504; others only when the server cannot have acted on
  // them: the connection was refused or the host not resolved, or HTTP 429.
  // A Retry-After header lengthens the wait before the next attempt.
  int max_attempts = 3;
  // Requests one call has in flight at once, each on a connection of its
  // own; the others wait their turn, and the wait counts against their
  // timeout. A batch of thousands of queries then never floods a server
  // (Prometheus accepts 512 connections and runs 20 queries at once by
  // default; connections beyond that wait unaccepted until they time out),
  // and curl only ever walks this many transfers.
  int max_in_flight = 32;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
};

// The value percent-encoded for a URL query or a form body.
std::string UrlEncode(const std::string& value);

class HttpClient {
 public:
  explicit HttpClient(EndpointConfig config);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs all requests concurrently; one result per request, in order.
  // An HTTP answer of any status is a response (after retries for the
  // transient ones); failures to get one are statuses: DeadlineExceeded
  // (timeout), Unavailable (connection refused, reset, nothing received),
  // ResourceExhausted (response over max_response_bytes), Unauthenticated
  // (the token file cannot be read), FailedPrecondition (TLS verification
  // failed), Internal (anything else from curl).
  std::vector<absl::StatusOr<HttpResponse>> Perform(std::span<const HttpRequest> requests)
      ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<HttpResponse> Perform(const HttpRequest& request) ABSL_LOCKS_EXCLUDED(mutex_) {
    return std::move(Perform(std::span<const HttpRequest>(&request, 1))[0]);
  }

 private:
  struct Transfer;
  // curl's write callback: appends to the transfer's body up to its limit.
  static size_t AppendBody(char* data, size_t size, size_t count, void* transfer);
  absl::StatusOr<std::string> BearerToken() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Runs the transfers to completion on `multi`, without the lock.
  void Run(void* multi, std::vector<Transfer>& transfers);

  // Constant after construction.
  const EndpointConfig config_;

  absl::Mutex mutex_;
  // State below is protected by mutex_.
  // CURLM* handles not in use, each kept for its connection pool; a call
  // takes one (or makes one) and gives it back when done.
  std::vector<void*> idle_multis_ ABSL_GUARDED_BY(mutex_);
  std::string token_ ABSL_GUARDED_BY(mutex_);
  absl::Time token_modified_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
};

}  // namespace kanarya::http

#endif  // KANARYA_DAEMON_HTTP_HTTP_CLIENT_H_
