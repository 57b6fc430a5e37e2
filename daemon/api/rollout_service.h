// kanarya.v1.RolloutService over gRPC: each RPC checks the call is still
// alive, authorizes it (RolloutAccess: UNAUTHENTICATED, PERMISSION_DENIED,
// or NOT_FOUND for a rollout hidden from the caller), calls the
// RolloutController with the authenticated caller, and returns its Status
// with the same code and message. Every rollout it answers with shows its
// webhooks' URLs as scheme://host/… only (webhook_redaction.h). ListRollouts returns only the
// rollouts of namespaces the caller may see, filling each page from as many controller pages as it
// takes (bounded), and its page token names a rollout returned. WatchRollout sends the current
// state, then every event, waiting in bounded slices so a cancelled or expired stream frees its
// thread within a slice; it re-checks the caller's credentials with each slice, so a revoked token
// ends it. Thread-safe; the controller and the authorizer must outlive it.
#ifndef KANARYA_DAEMON_API_ROLLOUT_SERVICE_H_
#define KANARYA_DAEMON_API_ROLLOUT_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/api/auth/authorizer.h"
#include "daemon/api/rollout_access.h"
#include "daemon/engine/rollout_controller.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"

namespace kanarya::api {

class RolloutService final : public v1::RolloutService::Service {
 public:
  // `watch_slice`: the longest a watch waits for events before it checks
  // whether its client is still there and still authorized.
  RolloutService(engine::RolloutController& controller, const auth::Authorizer& authorizer,
                 absl::Duration watch_slice = absl::Seconds(1));

  grpc::Status CreateRollout(grpc::ServerContext* context, const v1::CreateRolloutRequest* request,
                             v1::CreateRolloutResponse* response) override;
  grpc::Status GetRollout(grpc::ServerContext* context, const v1::GetRolloutRequest* request,
                          v1::GetRolloutResponse* response) override;
  grpc::Status ListRollouts(grpc::ServerContext* context, const v1::ListRolloutsRequest* request,
                            v1::ListRolloutsResponse* response) override;
  grpc::Status WatchRollout(grpc::ServerContext* context, const v1::WatchRolloutRequest* request,
                            grpc::ServerWriter<v1::WatchRolloutResponse>* writer) override;
  grpc::Status PauseRollout(grpc::ServerContext* context, const v1::PauseRolloutRequest* request,
                            v1::PauseRolloutResponse* response) override;
  grpc::Status ResumeRollout(grpc::ServerContext* context, const v1::ResumeRolloutRequest* request,
                             v1::ResumeRolloutResponse* response) override;
  grpc::Status PromoteRollout(grpc::ServerContext* context,
                              const v1::PromoteRolloutRequest* request,
                              v1::PromoteRolloutResponse* response) override;
  grpc::Status AbortRollout(grpc::ServerContext* context, const v1::AbortRolloutRequest* request,
                            v1::AbortRolloutResponse* response) override;
  grpc::Status ApproveRollout(grpc::ServerContext* context,
                              const v1::ApproveRolloutRequest* request,
                              v1::ApproveRolloutResponse* response) override;
  grpc::Status RetryRollout(grpc::ServerContext* context, const v1::RetryRolloutRequest* request,
                            v1::RetryRolloutResponse* response) override;

 private:
  // The rollout as the API shows it (webhook URLs redacted).
  absl::StatusOr<v1::Rollout> CurrentState(const std::string& name);

  engine::RolloutController& controller_;
  const RolloutAccess access_;
  const absl::Duration watch_slice_;
};

// SUCCEEDED, ROLLED_BACK, ABORTED, FAILED: nothing happens without an
// operator's call (a retry), so a watch ends there.
bool IsFinalPhase(v1::Phase phase);

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_ROLLOUT_SERVICE_H_
