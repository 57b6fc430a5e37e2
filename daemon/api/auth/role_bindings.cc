#include "daemon/api/auth/role_bindings.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kanarya::auth {
namespace {

constexpr absl::string_view kGroupPrefix = "kanarya:";
// RFC 1123 label, as Kubernetes limits namespace names.
constexpr size_t kMaxNamespaceLength = 63;

bool Implies(Role held, Role wanted) { return held == wanted || wanted == Role::kViewer; }

bool Covers(const RoleBinding& binding, absl::string_view namespace_name) {
  return binding.namespaces.empty() ||
         std::find(binding.namespaces.begin(), binding.namespaces.end(), namespace_name) !=
             binding.namespaces.end();
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kApprover:
      return "approver";
  }
  return "unknown";
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kViewer, Role::kOperator, Role::kApprover}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

absl::Status CheckNamespaceName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("the namespace is empty");
  if (name.size() > kMaxNamespaceLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("namespace \"", name, "\" is longer than ", kMaxNamespaceLength));
  }
  const bool characters_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
  });
  if (!characters_ok || name.front() == '-' || name.back() == '-') {
    return absl::InvalidArgumentError(absl::StrCat(
        "namespace \"", name,
        "\" must be lowercase letters, digits and '-', starting and ending alphanumeric"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RoleBinding>> BindingOfGroup(absl::string_view group) {
  if (!absl::StartsWith(group, kGroupPrefix)) return std::nullopt;
  const absl::string_view rest = group.substr(kGroupPrefix.size());
  const size_t colon = rest.find(':');
  const std::optional<Role> role = ParseRole(rest.substr(0, colon));
  if (!role.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("group \"", group,
                     "\" names no role: use kanarya:viewer, kanarya:operator or kanarya:approver, "
                     "optionally followed by :NAMESPACE"));
  }
  RoleBinding binding{.group = std::string(group), .role = *role};
  if (colon != absl::string_view::npos) {
    const absl::string_view namespace_name = rest.substr(colon + 1);
    if (absl::Status valid = CheckNamespaceName(namespace_name); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("group \"", group, "\": ", valid.message()));
    }
    binding.namespaces.emplace_back(namespace_name);
  }
  return binding;
}

RoleBindings::RoleBindings(std::vector<RoleBinding> configured)
    : configured_(std::move(configured)) {}

std::vector<RoleBinding> RoleBindings::BindingsOf(const Identity& identity) const {
  std::vector<RoleBinding> bindings;
  for (const std::string& group : identity.groups) {
    // Identities come from parsed token files and verified certificates, so
    // a malformed kanarya: group here (a certificate's O=) grants nothing.
    absl::StatusOr<std::optional<RoleBinding>> binding = BindingOfGroup(group);
    if (binding.ok() && binding->has_value()) bindings.push_back(**std::move(binding));
  }
  for (const RoleBinding& binding : configured_) {
    const bool applies = binding.principal.empty()
                             ? std::find(identity.groups.begin(), identity.groups.end(),
                                         binding.group) != identity.groups.end()
                             : binding.principal == identity.principal;
    if (applies) bindings.push_back(binding);
  }
  return bindings;
}

bool RoleBindings::Grants(const Identity& identity, Role role,
                          absl::string_view namespace_name) const {
  for (const RoleBinding& binding : BindingsOf(identity)) {
    if (Implies(binding.role, role) && Covers(binding, namespace_name)) return true;
  }
  return false;
}

bool RoleBindings::GrantsEverywhere(const Identity& identity, Role role) const {
  for (const RoleBinding& binding : BindingsOf(identity)) {
    if (Implies(binding.role, role) && binding.namespaces.empty()) return true;
  }
  return false;
}

NamespaceScope RoleBindings::ViewableNamespaces(const Identity& identity) const {
  NamespaceScope scope;
  for (const RoleBinding& binding : BindingsOf(identity)) {
    if (binding.namespaces.empty()) return NamespaceScope{.every_namespace = true};
    scope.namespaces.insert(binding.namespaces.begin(), binding.namespaces.end());
  }
  return scope;
}

bool RoleBindings::HoldsAnyRole(const Identity& identity) const {
  return !BindingsOf(identity).empty();
}

}  // namespace kanarya::auth
