#include "daemon/mesh/istio_objects.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/kube/json_fields.h"

namespace kanarya::mesh {
namespace {

using kube::Element;
using kube::StringField;
using nlohmann::json;

// The status of a malformed object, naming it.
absl::Status In(const std::string& object, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(object, ": ", status.message()));
}

absl::StatusOr<int> Weight(const json& destination, const std::string& path) {
  absl::StatusOr<int64_t> weight = kube::IntegerField(destination, path, "weight");
  if (!weight.ok()) return weight.status();
  if (*weight < 0 || *weight > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ".weight: ", *weight, " is not in [0, 100]"));
  }
  return static_cast<int>(*weight);
}

}  // namespace

absl::StatusOr<RouteLocation> LocateRoute(const json& vs, const IstioRouteConfig& c) {
  const std::string object = absl::StrCat("VirtualService ", c.virtual_service);
  absl::StatusOr<json> spec = kube::ObjectField(vs, "", "spec");
  if (!spec.ok()) return In(object, spec.status());
  absl::StatusOr<json> http = kube::ArrayField(*spec, "spec", "http");
  if (!http.ok()) return In(object, http.status());
  std::optional<size_t> route;
  for (size_t i = 0; i < http->size(); ++i) {
    absl::StatusOr<std::string> name = StringField((*http)[i], Element("spec.http", i), "name");
    if (!name.ok()) return In(object, name.status());
    if (c.route_name.empty() ? http->size() == 1 : *name == c.route_name) route = i;
  }
  if (!route) {
    return absl::FailedPreconditionError(
        c.route_name.empty()
            ? absl::StrCat(object, " has ", http->size(), " HTTP routes; name the one to shift")
            : absl::StrCat(object, " has no HTTP route \"", c.route_name, "\""));
  }
  const std::string route_path = Element("spec.http", *route);
  absl::StatusOr<json> destinations = kube::ArrayField((*http)[*route], route_path, "route");
  if (!destinations.ok()) return In(object, destinations.status());
  std::optional<size_t> stable, canary;
  for (size_t i = 0; i < destinations->size(); ++i) {
    const std::string path = Element(absl::StrCat(route_path, ".route"), i);
    absl::StatusOr<json> d = kube::ObjectField((*destinations)[i], path, "destination");
    if (!d.ok()) return In(object, d.status());
    absl::StatusOr<std::string> host = StringField(*d, path + ".destination", "host");
    absl::StatusOr<std::string> subset = StringField(*d, path + ".destination", "subset");
    for (const absl::Status& s : {host.status(), subset.status()}) {
      if (!s.ok()) return In(object, s);
    }
    if (*host != c.host) continue;
    if (*subset == c.stable_subset) stable = i;
    if (*subset == c.canary_subset) canary = i;
  }
  for (const auto& [found, subset] :
       {std::pair{stable, c.stable_subset}, std::pair{canary, c.canary_subset}}) {
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat(
          object, " route ", *route, " has no destination ", c.host, " subset ", subset));
    }
  }
  RouteLocation location{*route, *stable, *canary, (*http)[*route], {}};
  for (const auto& [index, weight] : {std::pair{*stable, &location.split.stable_weight},
                                      std::pair{*canary, &location.split.canary_weight}}) {
    absl::StatusOr<int> w =
        Weight((*destinations)[index], Element(absl::StrCat(route_path, ".route"), index));
    if (!w.ok()) return In(object, w.status());
    *weight = *w;
  }
  return location;
}

absl::StatusOr<SubsetLocation> LocateSubsets(const json& rule, const IstioRouteConfig& c) {
  const std::string object = absl::StrCat("DestinationRule ", c.destination_rule);
  absl::StatusOr<json> spec = kube::ObjectField(rule, "", "spec");
  if (!spec.ok()) return In(object, spec.status());
  absl::StatusOr<json> subsets = kube::ArrayField(*spec, "spec", "subsets");
  if (!subsets.ok()) return In(object, subsets.status());
  std::optional<size_t> stable, canary;
  for (size_t i = 0; i < subsets->size(); ++i) {
    absl::StatusOr<std::string> name =
        StringField((*subsets)[i], Element("spec.subsets", i), "name");
    if (!name.ok()) return In(object, name.status());
    if (*name == c.stable_subset && !stable) stable = i;
    if (*name == c.canary_subset && !canary) canary = i;
  }
  for (const auto& [index, subset] :
       {std::pair{stable, c.stable_subset}, {canary, c.canary_subset}}) {
    if (!index) {
      return absl::FailedPreconditionError(absl::StrCat(object, " has no subset \"", subset, "\""));
    }
  }
  SubsetLocation location{.stable = *stable,
                          .canary = *canary,
                          .stable_value = (*subsets)[*stable],
                          .canary_value = (*subsets)[*canary]};
  for (auto [index, labels] :
       {std::pair{*stable, &location.stable_labels}, std::pair{*canary, &location.canary_labels}}) {
    absl::StatusOr<json> read =
        kube::ObjectField((*subsets)[index], Element("spec.subsets", index), "labels");
    if (!read.ok()) return In(object, read.status());
    *labels = *std::move(read);
  }
  return location;
}

}  // namespace kanarya::mesh
