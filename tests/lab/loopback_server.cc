#include "tests/lab/loopback_server.h"

#include <httplib.h>

#include <chrono>

#include "absl/strings/str_cat.h"

namespace kanarya::lab {

LoopbackServer::LoopbackServer() : server_(std::make_unique<httplib::Server>()) {}

LoopbackServer::LoopbackServer(const std::string& tls_certificate, const std::string& tls_key,
                               const std::string& client_ca)
    : tls_(true) {
  auto server = std::make_unique<httplib::SSLServer>(
      tls_certificate.c_str(), tls_key.c_str(), client_ca.empty() ? nullptr : client_ca.c_str());
  // httplib insists on a client certificate once given a CA; ask, don't insist.
  if (!client_ca.empty()) SSL_CTX_set_verify(server->ssl_context(), SSL_VERIFY_PEER, nullptr);
  server_ = std::move(server);
}

void LoopbackServer::Start(int port) {
  // Stopping waits for idle keep-alive connections; keep that wait short.
  server_->set_keep_alive_timeout(1);
  // Like Go's servers, keep a connection for as many requests as the client
  // sends on it (httplib closes it after 5, so busy clients keep reconnecting).
  server_->set_keep_alive_max_count(1'000'000);
  // Like Go's servers (Prometheus, the Kubernetes API server): without it,
  // Nagle's algorithm and delayed ACKs add 40 ms to every answer.
  server_->set_tcp_nodelay(true);
  // Enough workers that requests held back by a test's faults starve no one.
  server_->new_task_queue = [] { return new httplib::ThreadPool(32); };
  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
  } else {
    port_ = server_->bind_to_port("127.0.0.1", port) ? port : 0;
  }
  if (port_ <= 0) {
    port_ = 0;
    return;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

LoopbackServer::~LoopbackServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string LoopbackServer::url() const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_);
}

}  // namespace kanarya::lab
