// kanaryad's plain HTTP endpoint (--http_address) for load balancers and
// kubelet probes: GET /healthz answers 200 "ok" while the daemon serves and
// 503 "stopping" once it does not. (Metrics will join it on the same port.)
// Thread-safe; stops when destroyed.
#ifndef KANARYA_DAEMON_API_HTTP_HEALTH_H_
#define KANARYA_DAEMON_API_HTTP_HEALTH_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct mg_context;
struct mg_connection;

namespace kanarya::api {

class HttpHealthEndpoint {
 public:
  // Listens on `address` (HOST:PORT; port 0 picks a free one).
  // InvalidArgument naming --http_address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpHealthEndpoint>> Start(const std::string& address);
  ~HttpHealthEndpoint();
  HttpHealthEndpoint(const HttpHealthEndpoint&) = delete;
  HttpHealthEndpoint& operator=(const HttpHealthEndpoint&) = delete;

  int port() const { return port_; }
  void SetServing(bool serving) { serving_.store(serving); }
  // For adding handlers (/metrics, /readyz) on the same port.
  mg_context* context() const { return context_; }

 private:
  HttpHealthEndpoint() = default;
  static int Handle(::mg_connection* connection, void* self);

  mg_context* context_ = nullptr;
  int port_ = 0;
  std::atomic<bool> serving_ = true;
};

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_HTTP_HEALTH_H_
