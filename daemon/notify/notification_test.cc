// Which committed transitions become notifications, and the type names.
#include "daemon/notify/notification.h"

#include <gtest/gtest.h>

namespace kanarya::notify {
namespace {

v1::Rollout At(v1::Phase phase, int step, int weight) {
  v1::Rollout rollout;
  rollout.set_name("rollout-1");
  rollout.mutable_status()->set_phase(phase);
  rollout.mutable_status()->set_step_index(step);
  rollout.mutable_status()->set_canary_weight(weight);
  return rollout;
}

std::optional<NotificationType> TypeOf(const v1::Rollout& before, const v1::Rollout& after) {
  std::optional<Notification> n = NotificationFor(before, after, absl::UnixEpoch());
  if (!n.has_value()) return std::nullopt;
  return n->type;
}

TEST(NotificationTest, EachTransitionHasItsType) {
  EXPECT_EQ(TypeOf(At(v1::PHASE_INITIALIZING, -1, 0), At(v1::PHASE_PROGRESSING, 0, 10)),
            NotificationType::kStarted);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PROGRESSING, 0, 10), At(v1::PHASE_PROGRESSING, 1, 50)),
            NotificationType::kStepAdvanced);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PROGRESSING, 0, 10), At(v1::PHASE_PAUSED, 0, 10)),
            NotificationType::kPaused);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PROGRESSING, 0, 10), At(v1::PHASE_AWAITING_APPROVAL, 1, 10)),
            NotificationType::kAwaitingApproval);
  EXPECT_EQ(TypeOf(At(v1::PHASE_AWAITING_APPROVAL, 1, 10), At(v1::PHASE_PROGRESSING, 1, 50)),
            NotificationType::kStepAdvanced);
  // A gate before the first step: its approval is the start.
  EXPECT_EQ(TypeOf(At(v1::PHASE_AWAITING_APPROVAL, 0, 0), At(v1::PHASE_PROGRESSING, 0, 10)),
            NotificationType::kStarted);
  EXPECT_EQ(TypeOf(At(v1::PHASE_ROLLING_BACK, 0, 0), At(v1::PHASE_ROLLED_BACK, 0, 0)),
            NotificationType::kRolledBack);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PROMOTING, 1, 0), At(v1::PHASE_SUCCEEDED, 1, 0)),
            NotificationType::kPromoted);
  EXPECT_EQ(TypeOf(At(v1::PHASE_INITIALIZING, -1, 0), At(v1::PHASE_FAILED, -1, 0)),
            NotificationType::kFailed);
  EXPECT_EQ(TypeOf(At(v1::PHASE_ROLLING_BACK, 0, 0), At(v1::PHASE_ABORTED, 0, 0)),
            NotificationType::kAborted);
}

TEST(NotificationTest, CommitsThatChangeNothingNotableAreSilent) {
  // A tick, a confirmed weight, the start of a rollback, a resume.
  EXPECT_EQ(TypeOf(At(v1::PHASE_PROGRESSING, 0, 10), At(v1::PHASE_PROGRESSING, 0, 10)),
            std::nullopt);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PROGRESSING, 0, 10), At(v1::PHASE_ROLLING_BACK, 0, 0)),
            std::nullopt);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PAUSED, 0, 10), At(v1::PHASE_PROGRESSING, 0, 10)), std::nullopt);
  EXPECT_EQ(TypeOf(At(v1::PHASE_PENDING, -1, 0), At(v1::PHASE_INITIALIZING, -1, 0)), std::nullopt);
}

TEST(NotificationTest, CarriesTheRolloutAndWhatItWas) {
  const std::optional<Notification> n = NotificationFor(
      At(v1::PHASE_PROGRESSING, 0, 10), At(v1::PHASE_PROGRESSING, 1, 50), absl::FromUnixSeconds(7));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->rollout.status().canary_weight(), 50);
  EXPECT_EQ(n->previous_weight, 10);
  EXPECT_EQ(n->previous_phase, v1::PHASE_PROGRESSING);
  EXPECT_EQ(n->time, absl::FromUnixSeconds(7));
}

TEST(NotificationTest, TypeNamesRoundTrip) {
  for (NotificationType type : AllTypes()) {
    EXPECT_EQ(*ParseType(TypeName(type)), type) << TypeName(type);
  }
  EXPECT_EQ(*ParseType("rolled_back"), NotificationType::kRolledBack);
  EXPECT_EQ(AllTypes().size(), 8u);
  const absl::StatusOr<NotificationType> bad = ParseType("exploded");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "must be one of started, step_advanced, paused, awaiting_approval, rolled_back, "
            "promoted, failed, aborted, got \"exploded\"");
}

}  // namespace
}  // namespace kanarya::notify
