// Reading the Istio objects the router edits, as the API server returned
// them: where a VirtualService keeps the two weights, and whether a
// DestinationRule defines the subsets. Server data never throws or reaches
// undefined behaviour: a field of the wrong type is InvalidArgument naming the
// object and the field's path; a route, destination or subset that is not
// there is FailedPrecondition naming it. Pure.
#ifndef KANARYA_DAEMON_MESH_ISTIO_OBJECTS_H_
#define KANARYA_DAEMON_MESH_ISTIO_OBJECTS_H_

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "daemon/mesh/istio_router.h"
#include "daemon/mesh/traffic_router.h"

namespace kanarya::mesh {

// Where the weights live in a VirtualService: the HTTP route's index, the
// indices of the stable and canary destinations within it, the route as read
// (what a JSON-patch test pins) and the split it holds.
struct RouteLocation {
  size_t route = 0;
  size_t stable = 0;
  size_t canary = 0;
  nlohmann::json route_value;
  TrafficSplit split;
};

absl::StatusOr<RouteLocation> LocateRoute(const nlohmann::json& virtual_service,
                                          const IstioRouteConfig& config);

// Where a DestinationRule defines the two subsets of `config`: their indices
// in spec.subsets, each subset as read (what a JSON-patch test pins) and its
// labels (an empty object when it has none).
struct SubsetLocation {
  size_t stable = 0;
  size_t canary = 0;
  nlohmann::json stable_value;
  nlohmann::json canary_value;
  nlohmann::json stable_labels;
  nlohmann::json canary_labels;
};

absl::StatusOr<SubsetLocation> LocateSubsets(const nlohmann::json& destination_rule,
                                             const IstioRouteConfig& config);

}  // namespace kanarya::mesh

#endif  // KANARYA_DAEMON_MESH_ISTIO_OBJECTS_H_
