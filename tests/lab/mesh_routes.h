// Test equipment: where the lab's mesh sends a service's requests, read as an
// Istio sidecar would from the service's VirtualService (the route named
// `primary`, else the first HTTP route: its destinations' weights) and
// DestinationRule (each subset's labels, matched against the pods' labels
// {app: SERVICE, version: VERSION}). Pure; thread-safe. Never product code.
#ifndef KANARYA_TESTS_LAB_MESH_ROUTES_H_
#define KANARYA_TESTS_LAB_MESH_ROUTES_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/lab/lab_services.h"

namespace kanarya::lab {

struct VersionShare {
  std::string version;
  double share = 0;  // of all the service's requests, in [0, 1]
};

// The versions' shares: the weights normalised by their sum, a subset's share
// split evenly among the versions it selects. A destination whose subset
// selects no version (or names no subset of the rule) gets its share, but no
// version: the shares then sum to less than 1, the rest unrouted.
// FailedPrecondition when either object is missing (null) or the route has no
// positive weight; InvalidArgument when they are malformed.
absl::StatusOr<std::vector<VersionShare>> ResolveRoutes(const LabService& service,
                                                        const nlohmann::json& virtual_service,
                                                        const nlohmann::json& destination_rule);

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_MESH_ROUTES_H_
