// TrafficRouter over an Istio VirtualService: the HTTP route is found by name
// (or is the only one), stable and canary destinations by host and subset.
// Writes are JSON patches whose first operation tests that the HTTP route is
// still as read, so only the two weights change and everything else in the
// object (other routes, matches, retries, mirrors, annotations, unknown
// fields) survives; edits elsewhere in the object do not conflict with a
// shift, and when the route itself changed the object is re-read and the
// write retried, at most 5 times.
// The first shift is preceded by Verify(): no traffic moves to a subset the
// DestinationRule does not define.
// Not thread-safe: one router per rollout.
#ifndef KANARYA_DAEMON_MESH_ISTIO_ROUTER_H_
#define KANARYA_DAEMON_MESH_ISTIO_ROUTER_H_

#include <optional>
#include <string>

#include "daemon/kube/kube_client.h"
#include "daemon/mesh/traffic_router.h"

namespace kanarya::mesh {

struct IstioRouteConfig {
  std::string namespace_name;
  std::string virtual_service;
  std::string route_name;  // empty: the VirtualService must have one HTTP route
  std::string host;        // destination host of both versions
  std::string stable_subset;
  std::string canary_subset;
  std::string destination_rule;  // where the subsets are defined
  // The networking.istio.io version to use ("v1", "v1beta1"); required here,
  // discovered by MakeTrafficRouter when left empty.
  std::string api_version;
};

class IstioRouter final : public TrafficRouter {
 public:
  // `client` must outlive the router.
  IstioRouter(kube::KubeClient& client, IstioRouteConfig config);

  absl::Status Verify() override;
  absl::StatusOr<TrafficSplit> Read() override;
  absl::StatusOr<TrafficSplit> SetCanaryWeight(int canary_weight) override;
  absl::StatusOr<TrafficSplit> Rollback() override;
  // Copies the canary subset's labels onto the stable subset in the
  // DestinationRule (a JSON patch testing both subsets as read, retried like
  // a shift), then restores 100/0.
  absl::StatusOr<TrafficSplit> PromoteCanary() override;

 private:
  absl::StatusOr<TrafficSplit> Write(int canary_weight, bool allow_drift);

  kube::KubeClient& client_;
  const IstioRouteConfig config_;
  bool verified_ = false;  // Verify() passed before the first shift
  std::optional<TrafficSplit> last_written_;
  // A write whose answer never came (a timeout, a cut connection): it may
  // have landed, so finding it live is not drift.
  std::optional<TrafficSplit> in_doubt_;
};

}  // namespace kanarya::mesh

#endif  // KANARYA_DAEMON_MESH_ISTIO_ROUTER_H_
