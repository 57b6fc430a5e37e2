// The engine's only source of time. The daemon uses the system clock; tests
// and backtests use a virtual clock that moves only when told, so a rollout
// of hours runs in milliseconds and every run is repeatable.
// Implementations are thread-safe.
#ifndef KANARYA_DAEMON_ENGINE_CLOCK_H_
#define KANARYA_DAEMON_ENGINE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kanarya::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_CLOCK_H_
