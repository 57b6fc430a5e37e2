#include "daemon/http/http_client.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kanarya::http {

// One request's progress through its attempts.
struct HttpClient::Transfer {
  const HttpRequest* request = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  bool too_large = false;
  size_t limit = 0;
  int attempts = 0;
  bool idempotent = false;
  absl::Time deadline;
  absl::Time start_after;
  bool active = false;
  bool done = false;
  absl::StatusOr<HttpResponse> result = absl::UnknownError("not performed");
};

size_t HttpClient::AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->limit) {
    transfer->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, bytes);
  return bytes;
}

namespace {

// Whether an attempt answered with `status` may be repeated. An idempotent
// request may be sent again whatever happened to it; any other only when the
// server refused it unprocessed (429).
bool RetryableStatus(long status, bool idempotent) {  // NOLINT(google-runtime-int)
  if (status == 429) return true;
  return idempotent && (status == 502 || status == 503 || status == 504);
}

// A failure to get an answer over the network: Unavailable. Retried when
// the request was never sent, or else when it is idempotent.
bool ConnectionError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool NeverSent(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST;
}

bool IdempotentMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

void InitializeCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int64_t Milliseconds(absl::Duration d) {
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(d));
}

}  // namespace

std::string UrlEncode(const std::string& value) {
  InitializeCurlOnce();
  char* escaped = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
  std::string result(escaped);
  curl_free(escaped);
  return result;
}

HttpClient::HttpClient(EndpointConfig config) : config_(std::move(config)) { InitializeCurlOnce(); }

HttpClient::~HttpClient() {
  absl::MutexLock lock(&mutex_);
  for (void* multi : idle_multis_) curl_multi_cleanup(static_cast<CURLM*>(multi));
}

absl::StatusOr<std::string> HttpClient::BearerToken() {
  struct stat info;
  if (stat(config_.bearer_token_file.c_str(), &info) != 0) {
    return absl::UnauthenticatedError(
        absl::StrCat("bearer token file ", config_.bearer_token_file, " cannot be read"));
  }
  const absl::Time modified = absl::TimeFromTimespec(info.st_mtim);
  if (modified != token_modified_) {
    std::ifstream file(config_.bearer_token_file);
    std::stringstream contents;
    contents << file.rdbuf();
    token_ = std::string(absl::StripAsciiWhitespace(contents.str()));
    token_modified_ = modified;
  }
  return token_;
}

std::vector<absl::StatusOr<HttpResponse>> HttpClient::Perform(
    std::span<const HttpRequest> requests) {
  std::string authorization;
  void* multi = nullptr;
  {
    absl::MutexLock lock(&mutex_);
    if (!config_.bearer_token_file.empty()) {
      absl::StatusOr<std::string> token = BearerToken();
      if (!token.ok()) {
        return std::vector<absl::StatusOr<HttpResponse>>(requests.size(), token.status());
      }
      authorization = absl::StrCat("Authorization: Bearer ", *token);
    }
    if (!idle_multis_.empty()) {
      multi = idle_multis_.back();
      idle_multis_.pop_back();
    }
  }
  if (multi == nullptr) multi = curl_multi_init();

  const absl::Time now = absl::Now();
  std::vector<Transfer> transfers(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    Transfer& t = transfers[i];
    t.request = &requests[i];
    t.idempotent = requests[i].idempotent.value_or(IdempotentMethod(requests[i].method));
    t.limit = config_.max_response_bytes;
    t.deadline = now + requests[i].timeout;
    t.start_after = now;
    t.easy = curl_easy_init();
    for (const auto& [name, value] : requests[i].headers) {
      t.headers = curl_slist_append(t.headers, absl::StrCat(name, ": ", value).c_str());
    }
    for (const auto& [name, value] : config_.extra_headers) {
      t.headers = curl_slist_append(t.headers, absl::StrCat(name, ": ", value).c_str());
    }
    if (!authorization.empty()) t.headers = curl_slist_append(t.headers, authorization.c_str());
  }

  Run(multi, transfers);
  {
    absl::MutexLock lock(&mutex_);
    idle_multis_.push_back(multi);
  }
  std::vector<absl::StatusOr<HttpResponse>> results;
  for (Transfer& t : transfers) {
    curl_slist_free_all(t.headers);
    curl_easy_cleanup(t.easy);
    results.push_back(std::move(t.result));
  }
  return results;
}

void HttpClient::Run(void* multi_handle, std::vector<Transfer>& transfers) {
  CURLM* multi = static_cast<CURLM*>(multi_handle);
  absl::BitGen jitter;
  // At most `window` transfers are in curl's hands at once (curl would walk
  // every handle added on every call); the others wait here, the fresh ones
  // in order from `next_fresh`, the ones to retry in `waiting`.
  const size_t window = static_cast<size_t>(std::max(config_.max_in_flight, 1));
  size_t next_fresh = 0;
  std::vector<Transfer*> waiting;
  size_t active = 0;
  size_t finished = 0;
  const auto finish = [&](Transfer& t, absl::StatusOr<HttpResponse> result, bool retryable,
                          absl::Duration retry_after = absl::ZeroDuration()) {
    const absl::Time at = absl::Now();
    if (retryable && t.attempts < config_.max_attempts) {
      const absl::Duration backoff = std::max(
          retry_after,
          std::min(config_.max_backoff, config_.initial_backoff * std::pow(2.0, t.attempts - 1)) *
              absl::Uniform(jitter, 0.5, 1.5));
      if (at + backoff < t.deadline) {
        t.start_after = at + backoff;
        waiting.push_back(&t);
        return;
      }
    }
    t.result = std::move(result);
    t.done = true;
    ++finished;
  };

  // Starts an attempt, or ends the transfer when its deadline has passed.
  const auto start = [&](Transfer& t, absl::Time at) {
    if (at >= t.deadline) {
      finish(t, absl::DeadlineExceededError(absl::StrCat(t.request->url, ": deadline exceeded")),
             false);
      return;
    }
    ++t.attempts;
    t.body.clear();
    t.too_large = false;
    CURL* e = t.easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, t.request->url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (t.request->accept_compressed) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(Milliseconds(t.deadline - at)));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(Milliseconds(std::min(t.deadline - at, absl::Seconds(10)))));
    if (t.request->method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t.request->method.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.request->body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(t.request->body.size()));
    }
    if (!config_.basic_auth_user.empty()) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(e, CURLOPT_USERNAME, config_.basic_auth_user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, config_.basic_auth_password.c_str());
    }
    if (!config_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, config_.ca_file.c_str());
    if (!config_.ca_pem.empty()) {
      curl_blob blob{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(),
                     CURL_BLOB_NOCOPY};
      curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!config_.client_certificate_file.empty()) {
      curl_easy_setopt(e, CURLOPT_SSLCERT, config_.client_certificate_file.c_str());
      curl_easy_setopt(e, CURLOPT_SSLKEY, config_.client_key_file.c_str());
    }
    if (!config_.client_certificate_pem.empty()) {
      curl_blob certificate{const_cast<char*>(config_.client_certificate_pem.data()),
                            config_.client_certificate_pem.size(), CURL_BLOB_NOCOPY};
      curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                    CURL_BLOB_NOCOPY};
      curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &certificate);
      curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (config_.insecure_skip_tls_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_multi_add_handle(multi, e);
    t.active = true;
    ++active;
  };

  while (finished < transfers.size()) {
    const absl::Time at = absl::Now();
    absl::Time next_start = absl::InfiniteFuture();
    // Retries whose backoff is over go first, then fresh transfers.
    std::vector<Transfer*> still_waiting;
    for (Transfer* t : waiting) {
      if (t->start_after > at) {
        next_start = std::min(next_start, t->start_after);
        still_waiting.push_back(t);
      } else if (active >= window) {
        still_waiting.push_back(t);  // started when a transfer in flight ends
      } else {
        start(*t, at);
      }
    }
    waiting.swap(still_waiting);
    while (active < window && next_fresh < transfers.size()) start(transfers[next_fresh++], at);
    if (finished == transfers.size()) break;

    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
      curl_multi_remove_handle(multi, message->easy_handle);
      t->active = false;
      --active;
      const CURLcode code = message->data.result;
      const std::string& url = t->request->url;
      if (code == CURLE_OK) {
        HttpResponse response;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &response.status);
        char* content_type = nullptr;
        curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &content_type);
        if (content_type != nullptr) response.content_type = content_type;
        response.body = std::move(t->body);
        const bool transient = RetryableStatus(response.status, t->idempotent);
        curl_off_t retry_after = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &retry_after);
        finish(*t, std::move(response), transient, absl::Seconds(retry_after));
      } else if (code == CURLE_OPERATION_TIMEDOUT) {
        finish(*t, absl::DeadlineExceededError(absl::StrCat(url, ": deadline exceeded")), false);
      } else if (code == CURLE_WRITE_ERROR && t->too_large) {
        finish(*t,
               absl::ResourceExhaustedError(
                   absl::StrCat(url, ": response larger than ", t->limit, " bytes")),
               false);
      } else if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
                 code == CURLE_SSL_CONNECT_ERROR) {
        finish(
            *t,
            absl::FailedPreconditionError(absl::StrCat(url, ": TLS: ", curl_easy_strerror(code))),
            false);
      } else if (ConnectionError(code)) {
        finish(*t, absl::UnavailableError(absl::StrCat(url, ": ", curl_easy_strerror(code))),
               t->idempotent || NeverSent(code));
      } else {
        finish(*t, absl::InternalError(absl::StrCat(url, ": ", curl_easy_strerror(code))), false);
      }
    }
    // Wait for socket activity only while transfers are in flight; a
    // transfer waiting to be retried is started at the top of the loop.
    if (active == 0) {
      if (next_start != absl::InfiniteFuture()) absl::SleepFor(next_start - absl::Now());
      continue;
    }
    const absl::Duration wait =
        std::clamp(next_start - absl::Now(), absl::Milliseconds(1), absl::Milliseconds(100));
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(absl::ToInt64Milliseconds(wait)), nullptr);
  }
}

}  // namespace kanarya::http
