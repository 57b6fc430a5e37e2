#include "daemon/mesh/recording_router.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kanarya::mesh {

RecordingRouter::RecordingRouter(TrafficRouterPtr router, kube::EventRecorder& events,
                                 kube::EventSubject rollout)
    : router_(std::move(router)), events_(events), rollout_(std::move(rollout)) {}

void RecordingRouter::Warn(const std::string& reason, const absl::Status& status) {
  events_.Record(rollout_, kube::EventType::kWarning, reason, std::string(status.message()));
}

absl::Status RecordingRouter::Verify() {
  absl::Status status = router_->Verify();
  if (!status.ok()) Warn("TrafficRouteInvalid", status);
  return status;
}

absl::StatusOr<TrafficSplit> RecordingRouter::SetCanaryWeight(int canary_weight) {
  absl::StatusOr<TrafficSplit> split = router_->SetCanaryWeight(canary_weight);
  if (split.ok()) {
    events_.Record(rollout_, kube::EventType::kNormal, "TrafficShifted",
                   absl::StrCat("canary weight set to ", split->canary_weight, "% (stable ",
                                split->stable_weight, "%)"));
  } else if (absl::StartsWith(split.status().message(), "drift:")) {
    Warn("TrafficDrift", split.status());
  } else {
    Warn("TrafficShiftFailed", split.status());
  }
  return split;
}

absl::StatusOr<TrafficSplit> RecordingRouter::Rollback() {
  absl::StatusOr<TrafficSplit> split = router_->Rollback();
  if (split.ok()) {
    events_.Record(rollout_, kube::EventType::kWarning, "RolledBack",
                   "all traffic restored to the stable version (stable 100%, canary 0%)");
  } else {
    Warn("RollbackFailed", split.status());
  }
  return split;
}

absl::StatusOr<TrafficSplit> RecordingRouter::PromoteCanary() {
  absl::StatusOr<TrafficSplit> split = router_->PromoteCanary();
  if (split.ok()) {
    events_.Record(rollout_, kube::EventType::kNormal, "Promoted",
                   "the stable subset now selects the canary's pods; all traffic to it");
  } else {
    Warn("PromotionFailed", split.status());
  }
  return split;
}

}  // namespace kanarya::mesh
