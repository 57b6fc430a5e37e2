// A clock that moves only when its owner advances it: backtests run hours of a
// rollout in milliseconds on it, and tests make every run repeatable.
// Thread-safe.
#ifndef KANARYA_DAEMON_ENGINE_VIRTUAL_CLOCK_H_
#define KANARYA_DAEMON_ENGINE_VIRTUAL_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/engine/clock.h"

namespace kanarya::engine {

class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000)) : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mutex_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mutex_);
    now_ += by;
  }
  // Moves to `time` when it is later than now; never backwards.
  void AdvanceTo(absl::Time time) {
    absl::MutexLock lock(&mutex_);
    now_ = std::max(now_, time);
  }

 private:
  mutable absl::Mutex mutex_;
  absl::Time now_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_VIRTUAL_CLOCK_H_
