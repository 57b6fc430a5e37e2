// The traffic router for a rollout's target, as kanaryad builds it: Istio
// through the configured Kubernetes API, every change recorded as an Event
// about the rollout. Without a cluster configured every request fails with
// FailedPrecondition saying so, which fails the rollout's preflight.
// Thread-safe; the client and recorder must outlive it.
#ifndef KANARYA_DAEMON_CONFIG_ROLLOUT_ROUTERS_H_
#define KANARYA_DAEMON_CONFIG_ROLLOUT_ROUTERS_H_

#include "absl/status/statusor.h"
#include "daemon/config/daemon_config.h"
#include "daemon/kube/event_recorder.h"
#include "daemon/kube/kube_client.h"
#include "daemon/mesh/traffic_router.h"
#include "daemon/mesh/traffic_router_factory.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::config {

// InvalidArgument naming the spec field when the target cannot be expressed
// as Istio subsets of one host.
absl::StatusOr<mesh::RouterConfig> RouterConfigFor(const v1::Rollout& rollout,
                                                   const Defaults& defaults);

class RolloutRouters {
 public:
  // `client` and `events` both null: no cluster.
  RolloutRouters(kube::KubeClient* client, kube::EventRecorder* events, Defaults defaults);

  absl::StatusOr<mesh::TrafficRouterPtr> operator()(const v1::Rollout& rollout) const;

 private:
  kube::KubeClient* const client_;
  kube::EventRecorder* const events_;
  const Defaults defaults_;
};

}  // namespace kanarya::config

#endif  // KANARYA_DAEMON_CONFIG_ROLLOUT_ROUTERS_H_
