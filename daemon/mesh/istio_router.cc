#include "daemon/mesh/istio_router.h"

#include "absl/strings/str_cat.h"
#include "daemon/mesh/istio_objects.h"

namespace kanarya::mesh {
namespace {

using nlohmann::json;

constexpr int kMaxWriteAttempts = 5;

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
  return LocateSubsets(*rule, config_).status();
}

absl::StatusOr<TrafficSplit> IstioRouter::Read() {
  absl::StatusOr<json> vs =
      client_.Get(IstioObject(config_, "virtualservices", config_.virtual_service));
  if (!vs.ok()) return vs.status();
  absl::StatusOr<RouteLocation> location = LocateRoute(*vs, config_);
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
    absl::StatusOr<SubsetLocation> s = LocateSubsets(*rule, config_);
    if (!s.ok()) return s.status();
    if (s->stable_labels == s->canary_labels) break;  // already swapped
    // Both subsets are pinned as read: the stable one takes exactly the
    // labels the canary had, or the write fails and is retried on a re-read.
    const std::string stable_path = absl::StrCat("/spec/subsets/", s->stable);
    const json patch =
        json::array({{{"op", "test"}, {"path", stable_path}, {"value", s->stable_value}},
                     {{"op", "test"},
                      {"path", absl::StrCat("/spec/subsets/", s->canary)},
                      {"value", s->canary_value}},
                     {{"op", "add"},
                      {"path", absl::StrCat(stable_path, "/labels")},
                      {"value", s->canary_labels}}});
    absl::StatusOr<json> written = client_.JsonPatch(ref, patch);
    if (written.ok()) break;
    // Aborted: a failed test or a conflict, so read again; a rejection
    // (InvalidArgument) or anything else is final.
    if (written.status().code() != absl::StatusCode::kAborted || attempt + 1 == kMaxWriteAttempts) {
      return written.status();
    }
  }
  return Write(0, /*allow_drift=*/false);
}

absl::StatusOr<TrafficSplit> IstioRouter::Write(int canary_weight, bool allow_drift) {
  const kube::ObjectRef ref = IstioObject(config_, "virtualservices", config_.virtual_service);
  absl::Status last_error;
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    absl::StatusOr<json> vs = client_.Get(ref);
    if (!vs.ok()) return vs.status();
    absl::StatusOr<RouteLocation> l = LocateRoute(*vs, config_);
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
    const json patch = json::array({{{"op", "test"}, {"path", route}, {"value", l->route_value}},
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
    // A failed test or a conflict (both Aborted): someone changed the route
    // in between; read again (drift is checked again) and retry. A rejection
    // (InvalidArgument: validation, admission) is final and reported with the
    // server's own message. Any other failure may or may not have been
    // applied: the write stays in doubt until the next read settles it.
    if (written.status().code() == absl::StatusCode::kInvalidArgument ||
        written.status().code() == absl::StatusCode::kPermissionDenied) {
      in_doubt_.reset();  // refused, so not applied
      return written.status();
    }
    if (written.status().code() != absl::StatusCode::kAborted) return written.status();
    last_error = written.status();
  }
  return absl::AbortedError(absl::StrCat("VirtualService ", config_.virtual_service,
                                         " route kept changing: ", kMaxWriteAttempts,
                                         " attempts conflicted; last: ", last_error.message()));
}

}  // namespace kanarya::mesh
