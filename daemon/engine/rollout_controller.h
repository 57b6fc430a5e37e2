// What the API (gRPC, the CLI's local commands, tests) asks of the rollout
// engine, free of gRPC: each call takes the request message and returns the
// response or a Status whose code follows RolloutService's contract
// (NotFound, AlreadyExists, FailedPrecondition naming the phase,
// InvalidArgument with the field path). Implementations are thread-safe.
#ifndef KANARYA_DAEMON_ENGINE_ROLLOUT_CONTROLLER_H_
#define KANARYA_DAEMON_ENGINE_ROLLOUT_CONTROLLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kanarya/v1/rollout_service.pb.h"

namespace kanarya::engine {

// Who is calling, as authentication established it; recorded with every
// mutating call.
struct Caller {
  std::string principal = "anonymous";
  std::string role;
};

class RolloutController {
 public:
  virtual ~RolloutController() = default;

  virtual absl::StatusOr<v1::CreateRolloutResponse> Create(const v1::CreateRolloutRequest& request,
                                                           const Caller& caller) = 0;
  virtual absl::StatusOr<v1::GetRolloutResponse> Get(const v1::GetRolloutRequest& request) = 0;
  virtual absl::StatusOr<v1::ListRolloutsResponse> List(const v1::ListRolloutsRequest& request) = 0;
  virtual absl::StatusOr<v1::Rollout> Pause(const v1::PauseRolloutRequest& request,
                                            const Caller& caller) = 0;
  virtual absl::StatusOr<v1::Rollout> Resume(const v1::ResumeRolloutRequest& request,
                                             const Caller& caller) = 0;
  virtual absl::StatusOr<v1::Rollout> Promote(const v1::PromoteRolloutRequest& request,
                                              const Caller& caller) = 0;
  virtual absl::StatusOr<v1::Rollout> Abort(const v1::AbortRolloutRequest& request,
                                            const Caller& caller) = 0;
  virtual absl::StatusOr<v1::Rollout> Approve(const v1::ApproveRolloutRequest& request,
                                              const Caller& caller) = 0;
  virtual absl::StatusOr<v1::Rollout> Retry(const v1::RetryRolloutRequest& request,
                                            const Caller& caller) = 0;

  // Watching: the events of `name` after `after_sequence`, in order, at most
  // `limit`. When there are none yet, waits until one arrives or `deadline`
  // passes (then returns an empty list). NotFound for an unknown rollout.
  virtual absl::StatusOr<std::vector<v1::RolloutEvent>> WaitForEvents(const std::string& name,
                                                                      int64_t after_sequence,
                                                                      int limit,
                                                                      absl::Time deadline) = 0;
};

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_ROLLOUT_CONTROLLER_H_
