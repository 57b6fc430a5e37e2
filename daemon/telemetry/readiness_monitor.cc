#include "daemon/telemetry/readiness_monitor.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/telemetry/log.h"

namespace kanarya::telemetry {

ReadinessMonitor::ReadinessMonitor(const Readiness& readiness, absl::Duration interval,
                                   std::function<void(bool)> set_serving)
    : readiness_(readiness), interval_(interval), set_serving_(std::move(set_serving)) {
  thread_ = std::thread([this] { Run(); });
}

ReadinessMonitor::~ReadinessMonitor() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
}

void ReadinessMonitor::Run() {
  std::optional<bool> last;
  while (true) {
    const absl::Status ready = readiness_.Evaluate();
    if (last != ready.ok()) {
      if (ready.ok()) {
        Log(LogLevel::kInfo, "ready");
      } else {
        Log(LogLevel::kWarning, absl::StrCat("not ready: ", ready.message()));
      }
      last = ready.ok();
    }
    set_serving_(ready.ok());
    absl::MutexLock lock(&mutex_);
    if (mutex_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
  }
}

}  // namespace kanarya::telemetry
