#include "daemon/notify/notification.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kanarya::notify {
namespace {

constexpr std::array<std::pair<NotificationType, absl::string_view>, 8> kNames = {{
    {NotificationType::kStarted, "rollout.started"},
    {NotificationType::kStepAdvanced, "rollout.step_advanced"},
    {NotificationType::kPaused, "rollout.paused"},
    {NotificationType::kAwaitingApproval, "rollout.awaiting_approval"},
    {NotificationType::kRolledBack, "rollout.rolled_back"},
    {NotificationType::kPromoted, "rollout.promoted"},
    {NotificationType::kFailed, "rollout.failed"},
    {NotificationType::kAborted, "rollout.aborted"},
}};

constexpr absl::string_view kPrefix = "rollout.";

std::optional<NotificationType> Classify(const v1::RolloutStatus& before,
                                         const v1::RolloutStatus& after) {
  const v1::Phase was = before.phase();
  const v1::Phase now = after.phase();
  if (now != was) {
    switch (now) {
      case v1::PHASE_PAUSED:
        return NotificationType::kPaused;
      case v1::PHASE_AWAITING_APPROVAL:
        return NotificationType::kAwaitingApproval;
      case v1::PHASE_ROLLED_BACK:
        return NotificationType::kRolledBack;
      case v1::PHASE_SUCCEEDED:
        return NotificationType::kPromoted;
      case v1::PHASE_FAILED:
        return NotificationType::kFailed;
      case v1::PHASE_ABORTED:
        return NotificationType::kAborted;
      case v1::PHASE_PROGRESSING:
        // From the preflight (or a retry's start): the first traffic move.
        if (was == v1::PHASE_INITIALIZING || was == v1::PHASE_PENDING) {
          return NotificationType::kStarted;
        }
        // An approved gate applies its step's weight.
        // An approved gate applies its step's weight: the first one starts.
        if (was == v1::PHASE_AWAITING_APPROVAL) {
          return before.canary_weight() == 0 ? NotificationType::kStarted
                                             : NotificationType::kStepAdvanced;
        }
        return std::nullopt;  // a resume: the operator knows
      default:
        return std::nullopt;
    }
  }
  if (now == v1::PHASE_PROGRESSING && after.step_index() > before.step_index()) {
    return NotificationType::kStepAdvanced;
  }
  return std::nullopt;
}

}  // namespace

absl::string_view TypeName(NotificationType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "rollout.unknown";
}

absl::StatusOr<NotificationType> ParseType(absl::string_view name) {
  std::vector<absl::string_view> accepted;
  for (const auto& [type, full] : kNames) {
    if (name == full || name == full.substr(kPrefix.size())) return type;
    accepted.push_back(full.substr(kPrefix.size()));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("must be one of ", absl::StrJoin(accepted, ", "), ", got \"", name, "\""));
}

const std::set<NotificationType>& AllTypes() {
  static const auto* const kAll = [] {
    auto* all = new std::set<NotificationType>();
    for (const auto& entry : kNames) all->insert(entry.first);
    return all;
  }();
  return *kAll;
}

std::optional<Notification> NotificationFor(const v1::Rollout& before, const v1::Rollout& after,
                                            absl::Time time) {
  std::optional<NotificationType> type = Classify(before.status(), after.status());
  if (!type.has_value()) return std::nullopt;
  return Notification{*type, after, before.status().phase(), before.status().canary_weight(), time};
}

}  // namespace kanarya::notify
