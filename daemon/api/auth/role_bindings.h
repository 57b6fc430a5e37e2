// Roles and who holds them where. Three roles: viewer (read), operator
// (create, pause, resume, abort, retry) and approver (approve, promote);
// operator and approver each imply viewer, and neither implies the other.
// A role is held through a group of the identity — "kanarya:ROLE" in every
// namespace, "kanarya:ROLE:NAMESPACE" in one — or through a configured
// binding of a principal or a group. Immutable once built; thread-safe.
#ifndef KANARYA_DAEMON_API_AUTH_ROLE_BINDINGS_H_
#define KANARYA_DAEMON_API_AUTH_ROLE_BINDINGS_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/api/auth/identity.h"

namespace kanarya::auth {

enum class Role { kViewer, kOperator, kApprover };

// "viewer", "operator", "approver".
absl::string_view RoleName(Role role);
std::optional<Role> ParseRole(absl::string_view name);

// `role` granted to a principal or to every member of a group (exactly one
// of the two is set) in `namespaces`, or in every namespace when empty.
struct RoleBinding {
  std::string principal;
  std::string group;
  Role role = Role::kViewer;
  std::vector<std::string> namespaces;
};

// What a group grants by its name: nullopt for a group without the
// "kanarya:" prefix (it may still be named by a configured binding);
// InvalidArgument for a "kanarya:" group that names no role or a bad
// namespace — a typo must not silently grant nothing.
absl::StatusOr<std::optional<RoleBinding>> BindingOfGroup(absl::string_view group);

// A Kubernetes namespace name (an RFC 1123 label); InvalidArgument saying
// why otherwise.
absl::Status CheckNamespaceName(absl::string_view name);

// The namespaces in which an identity holds at least the viewer role.
struct NamespaceScope {
  bool every_namespace = false;
  std::set<std::string> namespaces;  // when not every_namespace
};

class RoleBindings {
 public:
  RoleBindings() = default;
  // The configured bindings, already validated (ParseDaemonConfig does).
  explicit RoleBindings(std::vector<RoleBinding> configured);

  // Whether `identity` holds `role` in `namespace_name`, by its kanarya:
  // groups or a configured binding; viewer is implied by the other two.
  bool Grants(const Identity& identity, Role role, absl::string_view namespace_name) const;
  // Whether `identity` holds `role` in every namespace: through a binding
  // without namespaces (a "kanarya:ROLE" group, say), not a list of them.
  bool GrantsEverywhere(const Identity& identity, Role role) const;
  NamespaceScope ViewableNamespaces(const Identity& identity) const;
  // Whether `identity` holds any role in any namespace.
  bool HoldsAnyRole(const Identity& identity) const;

 private:
  // The bindings that apply to `identity`.
  std::vector<RoleBinding> BindingsOf(const Identity& identity) const;

  std::vector<RoleBinding> configured_;
};

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_ROLE_BINDINGS_H_
