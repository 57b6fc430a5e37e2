#include "tests/lab/scripted_http_server.h"

#include <httplib.h>

#include <chrono>

#include "absl/strings/str_cat.h"

namespace kanarya::lab {

ScriptedHttpServer::ScriptedHttpServer(
    std::function<ScriptedAnswer(const ScriptedRequest&)> script) {
  Serve(std::move(script));
}

ScriptedHttpServer::ScriptedHttpServer(std::function<ScriptedAnswer(const ScriptedRequest&)> script,
                                       const std::string& tls_certificate,
                                       const std::string& tls_key)
    : server_(tls_certificate, tls_key) {
  Serve(std::move(script));
}

ScriptedHttpServer::~ScriptedHttpServer() { Release(); }

bool ScriptedHttpServer::AwaitHeld(int count) {
  absl::MutexLock lock(&mutex_);
  const auto enough = [this, count]()
                          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return held_ >= count; };
  return mutex_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
}

void ScriptedHttpServer::Release() {
  absl::MutexLock lock(&mutex_);
  released_ = true;
}

void ScriptedHttpServer::Hold() {
  absl::MutexLock lock(&mutex_);
  ++held_;
  const auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return released_; };
  mutex_.AwaitWithTimeout(absl::Condition(&released), absl::Seconds(10));
  --held_;
}

void ScriptedHttpServer::Serve(std::function<ScriptedAnswer(const ScriptedRequest&)> script) {
  const auto handler = [this, script = std::move(script)](const httplib::Request& request,
                                                          httplib::Response& response) {
    ScriptedRequest scripted{requests_++, request.method, request.path, {}, request.body};
    for (const auto& [name, value] : request.headers) scripted.headers.emplace(name, value);
    const ScriptedAnswer answer = script(scripted);
    if (answer.delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(answer.delay_ms));
    }
    if (answer.hold) Hold();
    if (!answer.forward_to.empty()) {
      httplib::Client upstream(answer.forward_to);
      httplib::Headers headers;
      for (const auto& [name, value] : request.headers) {
        if (name != "Host" && name != "Content-Length") headers.emplace(name, value);
      }
      const auto content_type = request.get_header_value("Content-Type");
      auto forwarded = request.method == "POST"
                           ? upstream.Post(request.path, headers, request.body, content_type)
                           : upstream.Get(request.path, request.params, headers);
      if (!forwarded) {
        response.status = 502;
        return;
      }
      response.status = forwarded->status;
      response.set_content(forwarded->body, forwarded->get_header_value("Content-Type"));
      return;
    }
    response.status = answer.status;
    for (const auto& [name, value] : answer.headers) response.set_header(name, value);
    if (answer.cut_after_bytes >= 0) {
      // Declare the full length, send part of it, then drop the connection.
      const std::string body = answer.body;
      const size_t cut = static_cast<size_t>(answer.cut_after_bytes);
      response.set_content_provider(body.size(), answer.content_type,
                                    [body, cut](size_t offset, size_t, httplib::DataSink& sink) {
                                      if (offset >= cut) return false;
                                      sink.write(body.data() + offset, cut - offset);
                                      return true;
                                    });
      return;
    }
    response.set_content(answer.body, answer.content_type);
  };
  server_.http().Get(".*", handler);
  server_.http().Post(".*", handler);
  server_.http().Put(".*", handler);
  server_.http().Patch(".*", handler);
  server_.http().Delete(".*", handler);
  server_.Start();
}

}  // namespace kanarya::lab
