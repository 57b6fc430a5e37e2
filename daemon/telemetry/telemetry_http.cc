#include "daemon/telemetry/telemetry_http.h"

#include <civetweb.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kanarya::telemetry {
namespace {

int Reply(mg_connection* connection, int code, absl::string_view content_type,
          absl::string_view body) {
  const std::string head =
      absl::StrCat("HTTP/1.1 ", code, code == 200 ? " OK" : " Service Unavailable",
                   "\r\nContent-Type: ", content_type, "\r\nContent-Length: ", body.size(),
                   "\r\nConnection: close\r\n\r\n");
  mg_write(connection, head.data(), head.size());
  mg_write(connection, body.data(), body.size());
  return code;
}

}  // namespace

void TelemetryHttp::AddTo(mg_context* context) {
  mg_set_request_handler(context, "/metrics$", &TelemetryHttp::HandleMetrics, this);
  mg_set_request_handler(context, "/readyz$", &TelemetryHttp::HandleReady, this);
}

int TelemetryHttp::HandleMetrics(mg_connection* connection, void* self) {
  const auto* http = static_cast<TelemetryHttp*>(self);
  std::vector<prometheus::MetricFamily> families;
  for (const auto& collectable : http->collectables_) {
    std::vector<prometheus::MetricFamily> collected = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  return Reply(connection, 200, "text/plain; version=0.0.4; charset=utf-8",
               prometheus::TextSerializer().Serialize(families));
}

int TelemetryHttp::HandleReady(mg_connection* connection, void* self) {
  const auto* http = static_cast<TelemetryHttp*>(self);
  if (!http->serving_.load()) return Reply(connection, 503, "text/plain", "stopping\n");
  const absl::Status ready = http->readiness_.Evaluate();
  if (ready.ok()) return Reply(connection, 200, "text/plain", "ready\n");
  return Reply(connection, 503, "text/plain", absl::StrCat("not ready: ", ready.message(), "\n"));
}

}  // namespace kanarya::telemetry
