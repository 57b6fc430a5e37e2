// A small typed client of the Kubernetes API for the objects Kanarya edits
// (VirtualServices, DestinationRules, Leases, Events): GET, create, update
// (PUT with resourceVersion), merge patch and JSON patch, and group discovery.
// Errors come from the server's Status bodies as StatusFromApiAnswer says
// (api_status.h): Conflict and a failed JSON-patch test are Aborted (re-read
// and retry), a validation rejection is InvalidArgument with the server's
// message and causes. An answer that is not a JSON object is DataLoss.
// Objects sent are serialised with invalid UTF-8 replaced, never throwing.
// Each failed call is reported to the optional error observer with its
// operation (OperationName). Thread-safe.
#ifndef KANARYA_DAEMON_KUBE_KUBE_CLIENT_H_
#define KANARYA_DAEMON_KUBE_KUBE_CLIENT_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/http/http_client.h"
#include "daemon/kube/kube_config.h"

namespace kanarya::kube {

// A namespaced object: group "" is the core group.
struct ObjectRef {
  std::string group;
  std::string version;
  std::string resource;  // plural, lower case: "virtualservices"
  std::string namespace_name;
  std::string name;
};

// Told of every failed call: its operation and its status. Called on the
// calling thread; must be thread-safe.
using KubeErrorObserver =
    std::function<void(std::string_view operation, const absl::Status& status)>;

class KubeClient {
 public:
  explicit KubeClient(const KubeConfig& config, KubeErrorObserver on_error = nullptr);

  absl::StatusOr<nlohmann::json> Get(const ObjectRef& ref);
  // ref.name is ignored: the object's metadata.name is used.
  absl::StatusOr<nlohmann::json> Create(const ObjectRef& ref, const nlohmann::json& object);
  // The object's metadata.resourceVersion makes the write optimistic.
  absl::StatusOr<nlohmann::json> Update(const ObjectRef& ref, const nlohmann::json& object);
  absl::StatusOr<nlohmann::json> MergePatch(const ObjectRef& ref, const nlohmann::json& patch);
  absl::StatusOr<nlohmann::json> JsonPatch(const ObjectRef& ref, const nlohmann::json& patch);
  // Discovery: the versions the cluster serves of an API group, the
  // preferred one first; NotFound when the group is not served at all.
  absl::StatusOr<std::vector<std::string>> ServedVersions(const std::string& group);

  // The path of an object (or of its collection when name is empty).
  static std::string Path(const ObjectRef& ref, bool with_name = true);
  // A call's name for the error observer, from a bounded set: the verb
  // (get, create, update, patch) and the resource in the singular
  // ("get_virtual_service", "patch_destination_rule", "create_event"); every
  // call on a Lease is "lease", and discovery is "discover_api_group".
  static std::string OperationName(std::string_view verb, std::string_view resource);

 private:
  absl::StatusOr<nlohmann::json> Send(std::string_view operation, const std::string& method,
                                      const std::string& path, const std::string& content_type,
                                      const std::string& body);
  absl::StatusOr<nlohmann::json> Exchange(const std::string& method, const std::string& path,
                                          const std::string& content_type, const std::string& body);

  // Constant after construction.
  const std::string server_;
  const absl::Duration request_timeout_;
  const KubeErrorObserver on_error_;
  http::HttpClient http_;
};

// The versions an APIGroup discovery document lists, the preferred one
// first; InvalidArgument naming the field when the document is malformed.
absl::StatusOr<std::vector<std::string>> ServedVersionsOf(const nlohmann::json& api_group);

}  // namespace kanarya::kube

#endif  // KANARYA_DAEMON_KUBE_KUBE_CLIENT_H_
