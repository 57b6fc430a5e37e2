// Keeps a serving flag (kanaryad: the gRPC health service) in step with
// Readiness: evaluates it at start and then every `interval` on its own
// thread, calling `set_serving` with each result, and logging each change
// with the failing parts. Stops and joins when destroyed. The readiness and
// the callback must outlive it.
#ifndef KANARYA_DAEMON_TELEMETRY_READINESS_MONITOR_H_
#define KANARYA_DAEMON_TELEMETRY_READINESS_MONITOR_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/telemetry/readiness.h"

namespace kanarya::telemetry {

class ReadinessMonitor {
 public:
  ReadinessMonitor(const Readiness& readiness, absl::Duration interval,
                   std::function<void(bool serving)> set_serving);
  ~ReadinessMonitor();
  ReadinessMonitor(const ReadinessMonitor&) = delete;
  ReadinessMonitor& operator=(const ReadinessMonitor&) = delete;

 private:
  void Run();

  const Readiness& readiness_;
  const absl::Duration interval_;
  const std::function<void(bool)> set_serving_;
  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_READINESS_MONITOR_H_
