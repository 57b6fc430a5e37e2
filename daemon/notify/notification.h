// Transition notifications: which committed changes of a rollout people and
// systems hear about (started, step advanced, paused, awaiting approval,
// rolled back, promoted, failed, aborted), derived purely from the rollout
// before and after a commit. No I/O; thread-compatible.
#ifndef KANARYA_DAEMON_NOTIFY_NOTIFICATION_H_
#define KANARYA_DAEMON_NOTIFY_NOTIFICATION_H_

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::notify {

enum class NotificationType {
  kStarted,           // traffic moves for the first time in an attempt
  kStepAdvanced,      // a later step's weight is intended
  kPaused,            // by an operator or a policy
  kAwaitingApproval,  // a manual gate is reached
  kRolledBack,        // the analysis or a policy rolled the canary back
  kPromoted,          // the canary is the stable now
  kFailed,            // preflight or configuration failed; no traffic moved
  kAborted,           // an operator rolled it back
};

// "rollout.started", "rollout.step_advanced", ... as in the generic format.
absl::string_view TypeName(NotificationType type);
// The inverse of TypeName, also accepting the bare suffix ("promoted");
// InvalidArgument naming the accepted names otherwise.
absl::StatusOr<NotificationType> ParseType(absl::string_view name);
// Every type, in declaration order.
const std::set<NotificationType>& AllTypes();

struct Notification {
  NotificationType type;
  v1::Rollout rollout;  // as committed
  v1::Phase previous_phase = v1::PHASE_UNSPECIFIED;
  int previous_weight = 0;
  absl::Time time;  // when the engine committed it
};

// The notification a commit deserves, or nullopt (a tick that changed
// nothing, a warning, an intent confirmed without a phase change).
std::optional<Notification> NotificationFor(const v1::Rollout& before, const v1::Rollout& after,
                                            absl::Time time);

}  // namespace kanarya::notify

#endif  // KANARYA_DAEMON_NOTIFY_NOTIFICATION_H_
