#include "daemon/api/rollout_access.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace kanarya::api {
namespace {

engine::Caller CallerOf(const auth::Identity& identity, auth::ApiMethod method) {
  return engine::Caller{.principal = identity.principal,
                        .role = std::string(auth::RoleName(auth::RequiredRole(method)))};
}

}  // namespace

std::string RolloutNotFoundMessage(const std::string& name) {
  return absl::StrCat("rollout \"", name, "\" not found");
}

RolloutAccess::RolloutAccess(engine::RolloutController& controller,
                             const auth::Authorizer& authorizer)
    : controller_(controller), authorizer_(authorizer) {}

absl::StatusOr<auth::Identity> RolloutAccess::Authenticate(
    const auth::CallCredentials& credentials) const {
  return authorizer_.Authenticate(credentials);
}

absl::StatusOr<engine::Caller> RolloutAccess::InNamespace(const auth::Identity& identity,
                                                          auth::ApiMethod method,
                                                          absl::string_view namespace_name) const {
  if (!authorizer_.enabled()) return engine::Caller{};
  if (absl::Status allowed = authorizer_.Authorize(identity, method, namespace_name);
      !allowed.ok()) {
    return allowed;
  }
  return CallerOf(identity, method);
}

absl::StatusOr<engine::Caller> RolloutAccess::ForRollout(const auth::Identity& identity,
                                                         auth::ApiMethod method,
                                                         const std::string& name) const {
  if (!authorizer_.enabled()) return engine::Caller{};
  v1::GetRolloutRequest lookup;
  lookup.set_name(name);
  absl::StatusOr<v1::GetRolloutResponse> found = controller_.Get(lookup);
  if (absl::IsNotFound(found.status())) {
    return absl::NotFoundError(RolloutNotFoundMessage(name));
  }
  if (!found.ok()) return found.status();
  const std::string& namespace_name = found->rollout().spec().target().namespace_();
  if (!authorizer_.MaySee(identity, namespace_name)) {
    return absl::NotFoundError(RolloutNotFoundMessage(name));
  }
  return InNamespace(identity, method, namespace_name);
}

absl::StatusOr<auth::NamespaceScope> RolloutAccess::ListScope(
    const auth::Identity& identity, const std::string& namespace_filter) const {
  if (!namespace_filter.empty()) {
    if (absl::Status allowed =
            authorizer_.Authorize(identity, auth::ApiMethod::kListRollouts, namespace_filter);
        !allowed.ok()) {
      return allowed;
    }
    return auth::NamespaceScope{.namespaces = {namespace_filter}};
  }
  if (absl::Status allowed =
          authorizer_.AuthorizeAnywhere(identity, auth::ApiMethod::kListRollouts);
      !allowed.ok()) {
    return allowed;
  }
  return authorizer_.ViewableNamespaces(identity);
}

}  // namespace kanarya::api
