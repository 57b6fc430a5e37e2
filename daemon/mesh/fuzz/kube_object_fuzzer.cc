// libFuzzer target over every path that reads a Kubernetes API answer: Status
// error bodies, discovery documents, Leases, VirtualServices and
// DestinationRules. The first byte picks the path (and the HTTP code of a
// Status body); the rest is the server's body. Each must return a value or a
// status, never throw or crash, and every status message must be valid UTF-8
// (it travels on in JSON, as an Event's message).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/kube/api_status.h"
#include "daemon/kube/kube_client.h"
#include "daemon/kube/leader_elector.h"
#include "daemon/mesh/istio_objects.h"

namespace {

using nlohmann::json;

void CheckMessage(const absl::Status& status) {
  try {
    (void)json(std::string(status.message())).dump();  // strict: throws on invalid UTF-8
  } catch (const json::exception&) {
    __builtin_trap();
  }
}

const kanarya::mesh::IstioRouteConfig& Route() {
  static const kanarya::mesh::IstioRouteConfig route{.namespace_name = "shop",
                                                     .virtual_service = "reviews",
                                                     .route_name = "primary",
                                                     .host = "reviews",
                                                     .stable_subset = "stable",
                                                     .canary_subset = "canary",
                                                     .destination_rule = "reviews",
                                                     .api_version = "v1"};
  return route;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (selector % 8 < 3) {  // a Status body, with codes 400..599, JSON patch or not
    CheckMessage(kanarya::kube::StatusFromApiAnswer(400 + selector % 200, body, selector % 2 == 0));
    return 0;
  }
  const json object = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return 0;
  switch (selector % 8) {
    case 3: {
      const auto versions = kanarya::kube::ServedVersionsOf(object);
      CheckMessage(versions.status());
      if (versions.ok()) {
        for (const std::string& v : *versions) {
          if (v.empty()) __builtin_trap();
        }
      }
      break;
    }
    case 4: {
      const auto lease = kanarya::kube::ParseLease(object);
      CheckMessage(lease.status());
      if (lease.ok() && (lease->duration_seconds < 0 || lease->transitions < 0)) __builtin_trap();
      break;
    }
    case 5:
    case 6: {
      const auto location = kanarya::mesh::LocateRoute(object, Route());
      CheckMessage(location.status());
      if (location.ok()) {
        const auto& split = location->split;
        if (split.stable_weight < 0 || split.stable_weight > 100 || split.canary_weight < 0 ||
            split.canary_weight > 100 || location->stable == location->canary) {
          __builtin_trap();
        }
      }
      break;
    }
    default:
      CheckMessage(kanarya::mesh::LocateSubsets(object, Route()).status());
  }
  return 0;
}
