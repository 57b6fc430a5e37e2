// When the engine asks a rollout's confirm gates: only on a tick at which
// the step could move (complete evidence, minimum duration elapsed, proof
// when needed), and what a gate says then decides the move.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/testing/engine_harness.h"

namespace kanarya::engine {
namespace {

using ::kanarya::testing::EngineHarness;
using ::kanarya::testing::RouterCall;
using ::kanarya::testing::TestRolloutSpec;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A release window on the virtual clock: open until `closes`.
class ReleaseWindow final : public HookGates {
 public:
  ReleaseWindow(const VirtualClock& clock, absl::Time closes) : clock_(clock), closes_(closes) {}
  HookVerdict Check(const v1::Rollout& /*rollout*/, HookPoint point) override {
    if (point != HookPoint::kTrafficIncrease) return {};
    absl::MutexLock lock(&mutex_);
    asked_.push_back(clock_.Now());
    if (clock_.Now() < closes_) return {};
    return {HookVerdict::Kind::kWait, "the release window is closed"};
  }
  void Withdraw(const v1::Rollout& /*rollout*/, HookPoint /*point*/) override {}
  std::vector<absl::Time> asked() {
    absl::MutexLock lock(&mutex_);
    return asked_;
  }

 private:
  const VirtualClock& clock_;
  const absl::Time closes_;
  absl::Mutex mutex_;
  std::vector<absl::Time> asked_ ABSL_GUARDED_BY(mutex_);
};

TEST(EngineGatesTest, AGateOpenEarlyAndClosedAtTheMoveHoldsTheStep) {
  EngineHarness h;
  // Open for the step's first 30 s; the step (a minute at least) may move later.
  ReleaseWindow window(h.clock, h.clock.Now() + absl::Seconds(30));
  h.options.hooks = &window;
  h.engine = h.MakeEngine();
  v1::RolloutSpec spec = TestRolloutSpec();
  v1::Webhook& hook = *spec.add_webhooks();  // what the engine asks through `window`
  hook.set_type(v1::WEBHOOK_TYPE_CONFIRM_TRAFFIC_INCREASE);
  hook.set_name("release-window");
  hook.set_url("http://127.0.0.1:9/release-window");
  const std::string name = *h.Start(spec);
  const v1::Rollout held = h.RunUntil(
      name, [](const v1::Rollout&) { return false; }, absl::Minutes(20));
  EXPECT_EQ(held.status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_EQ(held.status().step_index(), 0);
  EXPECT_EQ(held.status().reason(), "the release window is closed");
  EXPECT_THAT(h.mesh.writes(), ElementsAre(RouterCall{"reviews", "SetCanaryWeight", 10}));
  // Never asked while the window was open: the step could not move then.
  const std::vector<absl::Time> asked = window.asked();
  ASSERT_THAT(asked, ::testing::Not(IsEmpty()));
  EXPECT_GE(asked.front(), h.clock.Now() - absl::Minutes(20) + absl::Minutes(1));
}

TEST(EngineGatesTest, AWebhookToAHostNotAllowedIsRefusedAtCreation) {
  EngineHarness h;
  h.options.allowed_hook_hosts = {"gates.internal"};
  h.engine = h.MakeEngine();
  v1::RolloutSpec spec = TestRolloutSpec();
  v1::Webhook& hook = *spec.add_webhooks();
  hook.set_type(v1::WEBHOOK_TYPE_EVENT);
  hook.set_name("metadata");
  hook.set_url("http://169.254.169.254/latest/meta-data/token");
  const absl::StatusOr<std::string> refused = h.Start(spec);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "webhooks[0].url: host \"169.254.169.254\" is not in the daemon's "
            "notifications.allowed_hook_hosts");
  hook.set_url("https://gates.internal/metadata");
  EXPECT_TRUE(h.Start(spec).ok());
}

}  // namespace
}  // namespace kanarya::engine
