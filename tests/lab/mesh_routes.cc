#include "tests/lab/mesh_routes.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace kanarya::lab {
namespace {

using nlohmann::json;

// The member `key` of `object`, or an empty object when either is missing
// (const operator[] on a missing key is undefined in nlohmann::json).
const json& Field(const json& object, const char* key) {
  static const json* const kEmpty = new json(json::object());
  if (!object.is_object()) return *kEmpty;
  const auto it = object.find(key);
  return it == object.end() ? *kEmpty : *it;
}

// The versions whose pods carry every label of `labels`.
std::vector<std::string> SelectedVersions(const LabService& service, const json& labels) {
  std::vector<std::string> selected;
  for (const WorkloadVersion& v : service.versions) {
    const std::map<std::string, std::string> pod = {{"app", service.name}, {"version", v.version}};
    bool matches = true;
    for (const auto& [key, value] : labels.items()) {
      const auto it = pod.find(key);
      matches = matches && it != pod.end() && value.is_string() && value == it->second;
    }
    if (matches) selected.push_back(v.version);
  }
  return selected;
}

const json* PrimaryRoute(const json& virtual_service) {
  const json& http = Field(Field(virtual_service, "spec"), "http");
  if (!http.is_array() || http.empty()) return nullptr;
  for (const json& route : http) {
    if (route.is_object() && route.value("name", "") == "primary") return &route;
  }
  return &http[0];
}

absl::StatusOr<std::vector<VersionShare>> Resolve(const LabService& service, const json& vs,
                                                  const json& dr) {
  const std::string where = absl::StrCat(service.namespace_name, "/", service.name);
  if (!vs.is_object()) return absl::FailedPreconditionError("no VirtualService " + where);
  if (!dr.is_object()) return absl::FailedPreconditionError("no DestinationRule " + where);
  const json* route = PrimaryRoute(vs);
  if (route == nullptr || !Field(*route, "route").is_array() || Field(*route, "route").empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("VirtualService ", where, ": spec.http has no route"));
  }
  const json& destinations = Field(*route, "route");
  // A lone destination without a weight takes everything, as in Istio.
  const int implicit_weight = destinations.size() == 1 ? 100 : 0;
  int total_weight = 0;
  for (const json& d : destinations) {
    const int weight = d.value("weight", implicit_weight);
    if (weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("VirtualService ", where, ": negative weight ", weight));
    }
    total_weight += weight;
  }
  if (total_weight <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("VirtualService ", where, ": the route's weights sum to ", total_weight));
  }
  const json& subsets = Field(Field(dr, "spec"), "subsets");
  if (!subsets.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("DestinationRule ", where, ": spec.subsets must be a list"));
  }
  std::map<std::string, double> shares;
  for (const json& d : destinations) {
    const double share = static_cast<double>(d.value("weight", implicit_weight)) / total_weight;
    const std::string subset = Field(d, "destination").value("subset", "");
    json labels = json::object();
    if (!subset.empty()) {
      labels = nullptr;
      for (const json& s : subsets) {
        if (s.value("name", "") == subset) labels = s.value("labels", json::object());
      }
    }
    const std::vector<std::string> versions =
        labels.is_object() ? SelectedVersions(service, labels) : std::vector<std::string>{};
    for (const std::string& v : versions) shares[v] += share / static_cast<double>(versions.size());
  }
  std::vector<VersionShare> result;
  result.reserve(shares.size());
  for (const auto& [version, share] : shares) result.push_back({version, share});
  return result;
}

}  // namespace

absl::StatusOr<std::vector<VersionShare>> ResolveRoutes(const LabService& service,
                                                        const json& virtual_service,
                                                        const json& destination_rule) {
  // Objects anyone may have edited through the emulator: any shape the
  // accessors reject is a malformed object, never an exception.
  try {
    return Resolve(service, virtual_service, destination_rule);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("VirtualService or DestinationRule ",
                                                   service.namespace_name, "/", service.name, ": ",
                                                   e.what()));
  }
}

}  // namespace kanarya::lab
