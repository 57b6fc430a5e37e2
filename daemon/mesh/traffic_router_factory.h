// Builds the TrafficRouter a rollout's configuration names, wrapped so that
// every change it makes is recorded as a Kubernetes Event about the rollout.
// One switch; routers stay behind the TrafficRouter interface everywhere else.
#ifndef KANARYA_DAEMON_MESH_TRAFFIC_ROUTER_FACTORY_H_
#define KANARYA_DAEMON_MESH_TRAFFIC_ROUTER_FACTORY_H_

#include <string>

#include "absl/status/statusor.h"
#include "daemon/kube/event_recorder.h"
#include "daemon/kube/kube_client.h"
#include "daemon/mesh/istio_router.h"
#include "daemon/mesh/traffic_router.h"

namespace kanarya::mesh {

struct RouterConfig {
  std::string provider = "istio";
  // istio.api_version empty: the newest networking.istio.io version the
  // cluster serves (v1, else v1beta1, else v1alpha3).
  IstioRouteConfig istio;
  kube::EventSubject rollout;  // the subject of the events
};

// InvalidArgument naming the field for an unknown provider or a missing or
// inconsistent setting; FailedPrecondition when the cluster serves no
// VirtualService API (Istio is not installed); discovery errors as they come.
// `client` and `events` must outlive the router.
absl::StatusOr<TrafficRouterPtr> MakeTrafficRouter(const RouterConfig& config,
                                                   kube::KubeClient& client,
                                                   kube::EventRecorder& events);

}  // namespace kanarya::mesh

#endif  // KANARYA_DAEMON_MESH_TRAFFIC_ROUTER_FACTORY_H_
