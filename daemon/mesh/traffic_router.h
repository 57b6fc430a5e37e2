// Moves traffic between the stable and the canary version of a service. The
// engine depends on this interface only; implementations live beside it.
// Contract: writes never lose a concurrent edit (optimistic, bounded retry),
// and a split that differs from what this router last wrote was changed by
// someone else (drift): it is reported, not overwritten — except by Rollback,
// which always restores the stable version.
#ifndef KANARYA_DAEMON_MESH_TRAFFIC_ROUTER_H_
#define KANARYA_DAEMON_MESH_TRAFFIC_ROUTER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kanarya::mesh {

struct TrafficSplit {
  int stable_weight = 100;
  int canary_weight = 0;
  bool operator==(const TrafficSplit&) const = default;
};

class TrafficRouter {
 public:
  virtual ~TrafficRouter() = default;

  // FailedPrecondition naming what is missing (route, destination, subset)
  // when the split cannot be managed. The first SetCanaryWeight verifies too.
  virtual absl::Status Verify() = 0;
  virtual absl::StatusOr<TrafficSplit> Read() = 0;
  // Sends `canary_weight` percent (0-100) to the canary. FailedPrecondition
  // starting with "drift:" when the live split is not the one last written.
  virtual absl::StatusOr<TrafficSplit> SetCanaryWeight(int canary_weight) = 0;
  // All traffic to the stable version, whatever the live split.
  virtual absl::StatusOr<TrafficSplit> Rollback() = 0;
  // The end of a successful rollout: the stable destination is pointed at the
  // canary's pods, then all traffic goes to it (100/0), so the next rollout
  // starts clean. Idempotent; drift as for SetCanaryWeight.
  virtual absl::StatusOr<TrafficSplit> PromoteCanary() = 0;
};

using TrafficRouterPtr = std::unique_ptr<TrafficRouter>;

}  // namespace kanarya::mesh

#endif  // KANARYA_DAEMON_MESH_TRAFFIC_ROUTER_H_
