// GET /metrics and GET /readyz on kanaryad's HTTP port, added to the
// civetweb context that already answers /healthz (one port). /metrics
// renders the registry and the collectors in the Prometheus text format
// 0.0.4; /readyz answers 200 "ready" when Readiness::Evaluate() is OK, 503
// "not ready: <parts>" when not, 503 "stopping" after SetServing(false).
// Everything given must outlive the context's handlers (stop the context
// first). Thread-safe.
#ifndef KANARYA_DAEMON_TELEMETRY_TELEMETRY_HTTP_H_
#define KANARYA_DAEMON_TELEMETRY_TELEMETRY_HTTP_H_

#include <prometheus/collectable.h>

#include <atomic>
#include <memory>
#include <vector>

#include "daemon/telemetry/readiness.h"

struct mg_context;
struct mg_connection;

namespace kanarya::telemetry {

class TelemetryHttp {
 public:
  TelemetryHttp(std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                const Readiness& readiness)
      : collectables_(std::move(collectables)), readiness_(readiness) {}
  TelemetryHttp(const TelemetryHttp&) = delete;
  TelemetryHttp& operator=(const TelemetryHttp&) = delete;

  // Registers /metrics and /readyz on `context`.
  void AddTo(mg_context* context);
  void SetServing(bool serving) { serving_.store(serving); }

 private:
  static int HandleMetrics(mg_connection* connection, void* self);
  static int HandleReady(mg_connection* connection, void* self);

  const std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  const Readiness& readiness_;
  std::atomic<bool> serving_ = true;
};

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_TELEMETRY_HTTP_H_
