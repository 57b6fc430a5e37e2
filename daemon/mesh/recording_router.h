// A TrafficRouter that records a Kubernetes Event about the rollout for every
// shift, rollback, drift and failed write of the router it wraps, so that
// `kubectl describe` and `kubectl get events` tell what Kanarya did to the
// traffic and why. Results pass through unchanged.
#ifndef KANARYA_DAEMON_MESH_RECORDING_ROUTER_H_
#define KANARYA_DAEMON_MESH_RECORDING_ROUTER_H_

#include "daemon/kube/event_recorder.h"
#include "daemon/mesh/traffic_router.h"

namespace kanarya::mesh {

class RecordingRouter final : public TrafficRouter {
 public:
  // `events` must outlive the router.
  RecordingRouter(TrafficRouterPtr router, kube::EventRecorder& events, kube::EventSubject rollout);

  absl::Status Verify() override;
  absl::StatusOr<TrafficSplit> Read() override { return router_->Read(); }
  absl::StatusOr<TrafficSplit> SetCanaryWeight(int canary_weight) override;
  absl::StatusOr<TrafficSplit> Rollback() override;
  absl::StatusOr<TrafficSplit> PromoteCanary() override;

 private:
  void Warn(const std::string& reason, const absl::Status& status);

  const TrafficRouterPtr router_;
  kube::EventRecorder& events_;
  const kube::EventSubject rollout_;
};

}  // namespace kanarya::mesh

#endif  // KANARYA_DAEMON_MESH_RECORDING_ROUTER_H_
