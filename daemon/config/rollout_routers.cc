#include "daemon/config/rollout_routers.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kanarya::config {

absl::StatusOr<mesh::RouterConfig> RouterConfigFor(const v1::Rollout& rollout,
                                                   const Defaults& defaults) {
  const v1::RolloutTarget& target = rollout.spec().target();
  const std::string& host = target.stable().host();
  if (!target.canary().host().empty() && target.canary().host() != host) {
    return absl::InvalidArgumentError(
        absl::StrCat("target.canary.host: must be empty or equal target.stable.host (\"", host,
                     "\"): Istio moves traffic between subsets of one host, got \"",
                     target.canary().host(), "\""));
  }
  mesh::RouterConfig config;
  config.istio.namespace_name = target.namespace_();
  config.istio.virtual_service = target.virtual_service();
  config.istio.route_name = target.route();
  config.istio.host = host;
  config.istio.stable_subset = target.stable().subset();
  config.istio.canary_subset = target.canary().subset();
  config.istio.destination_rule = target.destination_rule();
  config.istio.api_version = defaults.istio_api_version;
  config.rollout = kube::EventSubject{.api_version = "kanarya.dev/v1alpha1",
                                      .kind = "Rollout",
                                      .namespace_name = target.namespace_(),
                                      .name = rollout.name()};
  return config;
}

RolloutRouters::RolloutRouters(kube::KubeClient* client, kube::EventRecorder* events,
                               Defaults defaults)
    : client_(client), events_(events), defaults_(std::move(defaults)) {}

absl::StatusOr<mesh::TrafficRouterPtr> RolloutRouters::operator()(
    const v1::Rollout& rollout) const {
  if (client_ == nullptr || events_ == nullptr) {
    return absl::FailedPreconditionError(
        "no Kubernetes cluster is configured: set kubernetes in kanaryad's --config");
  }
  absl::StatusOr<mesh::RouterConfig> config = RouterConfigFor(rollout, defaults_);
  if (!config.ok()) return config.status();
  return mesh::MakeTrafficRouter(*config, *client_, *events_);
}

}  // namespace kanarya::config
