// The calls that need a role, and which: viewer for reading (Get, List,
// Watch) and the stateless analysis (Judge, Replay); operator for Create,
// Pause, Resume, Abort and Retry; approver for Approve and Promote; Backup
// needs the operator role in every namespace (it holds every rollout).
// Health and reflection need none. Pure; thread-safe.
#ifndef KANARYA_DAEMON_API_AUTH_API_METHOD_H_
#define KANARYA_DAEMON_API_AUTH_API_METHOD_H_

#include "absl/strings/string_view.h"
#include "daemon/api/auth/role_bindings.h"

namespace kanarya::auth {

enum class ApiMethod {
  kCreateRollout,
  kGetRollout,
  kListRollouts,
  kWatchRollout,
  kPauseRollout,
  kResumeRollout,
  kPromoteRollout,
  kAbortRollout,
  kApproveRollout,
  kRetryRollout,
  kJudge,
  kReplay,
  kBackup,
};

inline constexpr ApiMethod kAllApiMethods[] = {
    ApiMethod::kCreateRollout,  ApiMethod::kGetRollout,   ApiMethod::kListRollouts,
    ApiMethod::kWatchRollout,   ApiMethod::kPauseRollout, ApiMethod::kResumeRollout,
    ApiMethod::kPromoteRollout, ApiMethod::kAbortRollout, ApiMethod::kApproveRollout,
    ApiMethod::kRetryRollout,   ApiMethod::kJudge,        ApiMethod::kReplay,
    ApiMethod::kBackup,
};

// The RPC's name as the proto spells it, e.g. "PauseRollout".
absl::string_view MethodName(ApiMethod method);
Role RequiredRole(ApiMethod method);
// Whether the method needs its role in every namespace rather than in one.
bool NeedsEveryNamespace(ApiMethod method);

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_API_METHOD_H_
