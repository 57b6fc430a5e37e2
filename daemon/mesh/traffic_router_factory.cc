#include "daemon/mesh/traffic_router_factory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "daemon/mesh/recording_router.h"

namespace kanarya::mesh {
namespace {

constexpr char kIstioGroup[] = "networking.istio.io";

absl::Status CheckIstioConfig(const IstioRouteConfig& c) {
  for (const auto& [field, value] :
       {std::pair{"namespace_name", &c.namespace_name},
        std::pair{"virtual_service", &c.virtual_service}, std::pair{"host", &c.host},
        std::pair{"stable_subset", &c.stable_subset}, std::pair{"canary_subset", &c.canary_subset},
        std::pair{"destination_rule", &c.destination_rule}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("istio.", field, ": required"));
    }
  }
  if (c.stable_subset == c.canary_subset) {
    return absl::InvalidArgumentError(absl::StrCat(
        "istio.canary_subset: must differ from stable_subset (both \"", c.stable_subset, "\")"));
  }
  return absl::OkStatus();
}

// The newest VirtualService API version the cluster serves.
absl::StatusOr<std::string> ServedIstioVersion(kube::KubeClient& client) {
  absl::StatusOr<std::vector<std::string>> served = client.ServedVersions(kIstioGroup);
  if (served.status().code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(
        absl::StrCat("the cluster does not serve ", kIstioGroup, ": is Istio installed?"));
  }
  if (!served.ok()) return served.status();
  for (const char* version : {"v1", "v1beta1", "v1alpha3"}) {
    if (std::find(served->begin(), served->end(), version) != served->end()) return version;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the cluster serves ", kIstioGroup, " in no version Kanarya knows (v1, v1beta1, v1alpha3)"));
}

}  // namespace

absl::StatusOr<TrafficRouterPtr> MakeTrafficRouter(const RouterConfig& config,
                                                   kube::KubeClient& client,
                                                   kube::EventRecorder& events) {
  if (config.provider != "istio") {
    return absl::InvalidArgumentError(
        absl::StrCat("provider: must be \"istio\", got \"", config.provider, "\""));
  }
  if (absl::Status s = CheckIstioConfig(config.istio); !s.ok()) return s;
  IstioRouteConfig istio = config.istio;
  if (istio.api_version.empty()) {
    absl::StatusOr<std::string> version = ServedIstioVersion(client);
    if (!version.ok()) return version.status();
    istio.api_version = *version;
  }
  return std::make_unique<RecordingRouter>(std::make_unique<IstioRouter>(client, std::move(istio)),
                                           events, config.rollout);
}

}  // namespace kanarya::mesh
