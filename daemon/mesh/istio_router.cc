#include "daemon/mesh/istio_router.h"

#include "absl/strings/str_cat.h"

namespace kanarya::mesh {
namespace {

using nlohmann::json;

constexpr int kMaxWriteAttempts = 5;

// Where the weights live in a VirtualService: the route's index and the
// indices of the stable and canary destinations within it.
struct Location {
  size_t route;
  size_t stable;
  size_t canary;
  TrafficSplit split;
};

absl::StatusOr<Location> Locate(const json& vs, const IstioRouteConfig& c) {
  const json& http = vs["spec"].value("http", json::array());
  std::optional<size_t> route;
  for (size_t i = 0; i < http.size(); ++i) {
    if (c.route_name.empty() ? http.size() == 1 : http[i].value("name", "") == c.route_name) {
      route = i;
    }
  }
  if (!route) {
    return absl::FailedPreconditionError(
        c.route_name.empty() ? absl::StrCat("VirtualService ", c.virtual_service, " has ",
                                            http.size(), " HTTP routes; name the one to shift")
                             : absl::StrCat("VirtualService ", c.virtual_service,
                                            " has no HTTP route \"", c.route_name, "\""));
  }
  const json& destinations = http[*route].value("route", json::array());
  std::optional<size_t> stable, canary;
  for (size_t i = 0; i < destinations.size(); ++i) {
    const json& d = destinations[i].value("destination", json::object());
    if (d.value("host", "") != c.host) continue;
    if (d.value("subset", "") == c.stable_subset) stable = i;
    if (d.value("subset", "") == c.canary_subset) canary = i;
  }
  for (const auto& [found, subset] :
       {std::pair{stable, c.stable_subset}, std::pair{canary, c.canary_subset}}) {
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat("VirtualService ", c.virtual_service,
                                                        " route ", *route, " has no destination ",
                                                        c.host, " subset ", subset));
    }
  }
  Location location{*route, *stable, *canary, {}};
  location.split.stable_weight = destinations[*stable].value("weight", 0);
  location.split.canary_weight = destinations[*canary].value("weight", 0);
  return location;
}

kube::ObjectRef IstioObject(const IstioRouteConfig& c, const char* resource,
                            const std::string& name) {
  return {"networking.istio.io", c.api_version, resource, c.namespace_name, name};
}

std::string Describe(const TrafficSplit& s) {
  return absl::StrCat(s.stable_weight, "/", s.canary_weight);
}

}  // namespace

IstioRouter::IstioRouter(kube::KubeClient& client, IstioRouteConfig config)
    : client_(client), config_(std::move(config)) {}

absl::Status IstioRouter::Verify() {
  if (absl::StatusOr<TrafficSplit> split = Read(); !split.ok()) return split.status();
  absl::StatusOr<json> rule =
      client_.Get(IstioObject(config_, "destinationrules", config_.destination_rule));
  if (!rule.ok()) return rule.status();
  for (const std::string& subset : {config_.stable_subset, config_.canary_subset}) {
    bool defined = false;
    for (const json& s : (*rule)["spec"].value("subsets", json::array())) {
      defined = defined || s.value("name", "") == subset;
    }
    if (!defined) {
      return absl::FailedPreconditionError(absl::StrCat(
          "DestinationRule ", config_.destination_rule, " has no subset \"", subset, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TrafficSplit> IstioRouter::Read() {
  absl::StatusOr<json> vs =
      client_.Get(IstioObject(config_, "virtualservices", config_.virtual_service));
  if (!vs.ok()) return vs.status();
  absl::StatusOr<Location> location = Locate(*vs, config_);
  if (!location.ok()) return location.status();
  return location->split;
}

absl::StatusOr<TrafficSplit> IstioRouter::SetCanaryWeight(int canary_weight) {
  if (canary_weight < 0 || canary_weight > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("canary_weight: must be in [0, 100], got ", canary_weight));
  }
  if (!verified_) {  // the first shift: make sure the subsets exist
    if (absl::Status s = Verify(); !s.ok()) return s;
    verified_ = true;
  }
  return Write(canary_weight, /*allow_drift=*/false);
}

absl::StatusOr<TrafficSplit> IstioRouter::Rollback() { return Write(0, /*allow_drift=*/true); }

absl::StatusOr<TrafficSplit> IstioRouter::PromoteCanary() {
  const kube::ObjectRef ref = IstioObject(config_, "destinationrules", config_.destination_rule);
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<json> rule = client_.Get(ref);
    if (!rule.ok()) return rule.status();
    const json& subsets = (*rule)["spec"].value("subsets", json::array());
    std::optional<size_t> stable, canary;
    for (size_t i = 0; i < subsets.size(); ++i) {
      if (subsets[i].value("name", "") == config_.stable_subset) stable = i;
      if (subsets[i].value("name", "") == config_.canary_subset) canary = i;
    }
    if (!stable || !canary) {
      return absl::FailedPreconditionError(absl::StrCat("DestinationRule ",
                                                        config_.destination_rule,
                                                        " lacks the stable or canary subset"));
    }
    const json labels = subsets[*canary].value("labels", json::object());
    if (subsets[*stable].value("labels", json::object()) == labels) break;  // already swapped
    const std::string stable_path = absl::StrCat("/spec/subsets/", *stable);
    const json patch = json::array(
        {{{"op", "test"}, {"path", stable_path}, {"value", subsets[*stable]}},
         {{"op", "test"},
          {"path", absl::StrCat("/spec/subsets/", *canary)},
          {"value", subsets[*canary]}},
         {{"op", "add"}, {"path", absl::StrCat(stable_path, "/labels")}, {"value", labels}}});
    absl::StatusOr<json> written = client_.JsonPatch(ref, patch);
    if (written.ok()) break;
    const bool conflict = written.status().code() == absl::StatusCode::kInvalidArgument ||
                          written.status().code() == absl::StatusCode::kAborted;
    if (!conflict || attempt + 1 == kMaxWriteAttempts) return written.status();
  }
  return Write(0, /*allow_drift=*/false);
}

absl::StatusOr<TrafficSplit> IstioRouter::Write(int canary_weight, bool allow_drift) {
  const kube::ObjectRef ref = IstioObject(config_, "virtualservices", config_.virtual_service);
  absl::Status last_error;
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    absl::StatusOr<json> vs = client_.Get(ref);
    if (!vs.ok()) return vs.status();
    absl::StatusOr<Location> l = Locate(*vs, config_);
    if (!l.ok()) return l.status();
    if (in_doubt_ && l->split == *in_doubt_) last_written_ = in_doubt_;  // it landed
    in_doubt_.reset();
    if (!allow_drift && last_written_ && !(l->split == *last_written_)) {
      return absl::FailedPreconditionError(
          absl::StrCat("drift: VirtualService ", config_.virtual_service, " is at ",
                       Describe(l->split), " (stable/canary) but was last set to ",
                       Describe(*last_written_), " by this rollout; someone else changed it"));
    }
    const TrafficSplit wanted{100 - canary_weight, canary_weight};
    if (l->split == wanted) {  // already there, perhaps by an attempt whose answer was lost
      last_written_ = wanted;
      return wanted;
    }
    // The test pins the whole HTTP route as read: the write lands only if
    // nobody changed that route since, while edits elsewhere in the object
    // (labels, annotations, status, other routes) do not hold the shift up.
    const std::string route = absl::StrCat("/spec/http/", l->route);
    const json patch =
        json::array({{{"op", "test"}, {"path", route}, {"value", (*vs)["spec"]["http"][l->route]}},
                     {{"op", "add"},
                      {"path", absl::StrCat(route, "/route/", l->stable, "/weight")},
                      {"value", wanted.stable_weight}},
                     {{"op", "add"},
                      {"path", absl::StrCat(route, "/route/", l->canary, "/weight")},
                      {"value", wanted.canary_weight}}});
    in_doubt_ = wanted;
    absl::StatusOr<json> written = client_.JsonPatch(ref, patch);
    if (written.ok()) {
      in_doubt_.reset();
      last_written_ = wanted;
      return wanted;
    }
    // A failed test (422) or a conflict (409): someone changed the route in
    // between; read again (drift is checked again) and retry. Any other
    // failure may or may not have been applied: the write stays in doubt
    // until the next read settles it.
    if (written.status().code() != absl::StatusCode::kInvalidArgument &&
        written.status().code() != absl::StatusCode::kAborted) {
      return written.status();
    }
    last_error = written.status();
  }
  return absl::AbortedError(absl::StrCat("VirtualService ", config_.virtual_service,
                                         " route kept changing: ", kMaxWriteAttempts,
                                         " attempts conflicted; last: ", last_error.message()));
}

}  // namespace kanarya::mesh
