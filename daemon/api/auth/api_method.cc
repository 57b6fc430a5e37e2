#include "daemon/api/auth/api_method.h"

namespace kanarya::auth {

absl::string_view MethodName(ApiMethod method) {
  switch (method) {
    case ApiMethod::kCreateRollout:
      return "CreateRollout";
    case ApiMethod::kGetRollout:
      return "GetRollout";
    case ApiMethod::kListRollouts:
      return "ListRollouts";
    case ApiMethod::kWatchRollout:
      return "WatchRollout";
    case ApiMethod::kPauseRollout:
      return "PauseRollout";
    case ApiMethod::kResumeRollout:
      return "ResumeRollout";
    case ApiMethod::kPromoteRollout:
      return "PromoteRollout";
    case ApiMethod::kAbortRollout:
      return "AbortRollout";
    case ApiMethod::kApproveRollout:
      return "ApproveRollout";
    case ApiMethod::kRetryRollout:
      return "RetryRollout";
    case ApiMethod::kJudge:
      return "Judge";
    case ApiMethod::kReplay:
      return "Replay";
    case ApiMethod::kBackup:
      return "Backup";
  }
  return "unknown";
}

Role RequiredRole(ApiMethod method) {
  switch (method) {
    case ApiMethod::kCreateRollout:
    case ApiMethod::kPauseRollout:
    case ApiMethod::kResumeRollout:
    case ApiMethod::kAbortRollout:
    case ApiMethod::kRetryRollout:
    case ApiMethod::kBackup:
      return Role::kOperator;
    case ApiMethod::kPromoteRollout:
    case ApiMethod::kApproveRollout:
      return Role::kApprover;
    case ApiMethod::kGetRollout:
    case ApiMethod::kListRollouts:
    case ApiMethod::kWatchRollout:
    case ApiMethod::kJudge:
    case ApiMethod::kReplay:
      return Role::kViewer;
  }
  return Role::kViewer;
}

bool NeedsEveryNamespace(ApiMethod method) { return method == ApiMethod::kBackup; }

}  // namespace kanarya::auth
