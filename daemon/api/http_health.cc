#include "daemon/api/http_health.h"

#include <civetweb.h>

#include "absl/strings/str_cat.h"

namespace kanarya::api {

absl::StatusOr<std::unique_ptr<HttpHealthEndpoint>> HttpHealthEndpoint::Start(
    const std::string& address) {
  std::unique_ptr<HttpHealthEndpoint> endpoint(new HttpHealthEndpoint());
  const char* options[] = {"listening_ports", address.c_str(), "num_threads", "2", nullptr};
  mg_callbacks callbacks = {};
  endpoint->context_ = mg_start(&callbacks, nullptr, options);
  mg_server_port ports[1] = {};
  if (endpoint->context_ == nullptr || mg_get_server_ports(endpoint->context_, 1, ports) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_address: cannot listen on \"", address, "\""));
  }
  endpoint->port_ = ports[0].port;
  mg_set_request_handler(endpoint->context_, "/healthz$", &HttpHealthEndpoint::Handle,
                         endpoint.get());
  return endpoint;
}

HttpHealthEndpoint::~HttpHealthEndpoint() {
  if (context_ != nullptr) mg_stop(context_);
}

int HttpHealthEndpoint::Handle(::mg_connection* connection, void* self) {
  const bool serving = static_cast<HttpHealthEndpoint*>(self)->serving_.load();
  const char* body = serving ? "ok\n" : "stopping\n";
  mg_printf(connection,
            "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n%s",
            serving ? "200 OK" : "503 Service Unavailable", serving ? 3 : 9, body);
  return serving ? 200 : 503;
}

}  // namespace kanarya::api
