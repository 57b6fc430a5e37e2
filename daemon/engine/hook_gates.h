// What the engine asks of a rollout's webhooks (RolloutSpec.webhooks) when
// traffic is about to move (the gates) and on every tick (rollback hooks):
// proceed, wait, fail, or roll back.
// Implementations answer at once from what the hooks last said and ask them
// again in the background, so the engine's thread never waits on a hook;
// the caller polls once per tick. Thread-safe.
#ifndef KANARYA_DAEMON_ENGINE_HOOK_GATES_H_
#define KANARYA_DAEMON_ENGINE_HOOK_GATES_H_

#include <string>

#include "absl/time/time.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::engine {

enum class HookPoint {
  kBeforeRollout,    // pre-rollout and confirm-rollout, before the first traffic move
  kTrafficIncrease,  // confirm-traffic-increase, before a later step's weight
  kPromotion,        // confirm-promotion
  kRollback,         // rollback hooks, while the rollout progresses or waits
};

struct HookVerdict {
  enum class Kind {
    kProceed,   // no hook of the point, or every one answered 2xx
    kWait,      // a gate is closed or has not answered yet
    kFail,      // a pre-rollout hook failed for good
    kRollBack,  // a rollback hook answered 2xx
  };
  Kind kind = Kind::kProceed;
  std::string reason;  // names the hook and what it answered (not its URL)
};

class HookGates {
 public:
  virtual ~HookGates() = default;
  // kProceed uses the passes it rests on: the next move asks the gates again.
  virtual HookVerdict Check(const v1::Rollout& rollout, HookPoint point) = 0;
  // The move `point` guards cannot happen now: any pass its gates gave is
  // dropped and an answer in flight ignored, so the move asks afresh.
  virtual void Withdraw(const v1::Rollout& rollout, HookPoint point) = 0;
};

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_HOOK_GATES_H_
