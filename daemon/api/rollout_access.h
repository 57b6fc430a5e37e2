// Authorization of RolloutService calls against the rollout they address.
// A by-name call looks the rollout up to learn its namespace; a caller with
// no role at all in that namespace gets the same NOT_FOUND as for a rollout
// that does not exist, so rollouts of other teams stay invisible, while a
// caller who may see the rollout but lacks the role gets PERMISSION_DENIED
// naming the role and the namespace. Credentials are checked first
// (UNAUTHENTICATED). Thread-safe; the controller and the authorizer must
// outlive it.
#ifndef KANARYA_DAEMON_API_ROLLOUT_ACCESS_H_
#define KANARYA_DAEMON_API_ROLLOUT_ACCESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/api/auth/authorizer.h"
#include "daemon/engine/rollout_controller.h"

namespace kanarya::api {

class RolloutAccess {
 public:
  RolloutAccess(engine::RolloutController& controller, const auth::Authorizer& authorizer);

  // The first step of every call: who it is (anonymous while
  // authentication is off), or UNAUTHENTICATED.
  absl::StatusOr<auth::Identity> Authenticate(const auth::CallCredentials& credentials) const;

  // The caller for the engine when `method` may act on rollouts of
  // `namespace_name` (CreateRollout: the spec's target namespace).
  absl::StatusOr<engine::Caller> InNamespace(const auth::Identity& identity, auth::ApiMethod method,
                                             absl::string_view namespace_name) const;
  // The same for the rollout named `name`, looked up first.
  absl::StatusOr<engine::Caller> ForRollout(const auth::Identity& identity, auth::ApiMethod method,
                                            const std::string& name) const;
  // ListRollouts: the request's namespace filter when set (the caller needs
  // the viewer role there); otherwise the namespaces the caller may see.
  absl::StatusOr<auth::NamespaceScope> ListScope(const auth::Identity& identity,
                                                 const std::string& namespace_filter) const;

 private:
  engine::RolloutController& controller_;
  const auth::Authorizer& authorizer_;
};

// The message of NOT_FOUND for `name`, the same whether it does not exist
// or is hidden from the caller.
std::string RolloutNotFoundMessage(const std::string& name);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_ROLLOUT_ACCESS_H_
