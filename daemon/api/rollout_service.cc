#include "daemon/api/rollout_service.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/api/call_context.h"
#include "daemon/api/status_mapping.h"

namespace kanarya::api {
namespace {

// Events sent per wait; a watch far behind catches up in batches.
constexpr int kWatchBatch = 100;

absl::Status RequireName(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("name: required");
  return absl::OkStatus();
}

// Calls `call` (returning StatusOr<Response>) when the call is alive and
// `precheck` passes, and stores its result in `response`.
template <typename Response, typename Call>
grpc::Status Respond(const grpc::ServerContext& context, const absl::Status& precheck,
                     Response* response, Call call) {
  if (absl::Status alive = CheckCallAlive(context); !alive.ok()) return ToGrpcStatus(alive);
  if (!precheck.ok()) return ToGrpcStatus(precheck);
  absl::StatusOr<Response> result = call();
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

// The same for the mutating calls, which return the rollout.
template <typename Response, typename Call>
grpc::Status Mutate(const grpc::ServerContext& context, const std::string& name, Response* response,
                    Call call) {
  if (absl::Status alive = CheckCallAlive(context); !alive.ok()) return ToGrpcStatus(alive);
  if (absl::Status named = RequireName(name); !named.ok()) return ToGrpcStatus(named);
  absl::StatusOr<v1::Rollout> rollout = call();
  if (!rollout.ok()) return ToGrpcStatus(rollout.status());
  *response->mutable_rollout() = *std::move(rollout);
  return grpc::Status::OK;
}

}  // namespace

bool IsFinalPhase(v1::Phase phase) {
  return phase == v1::PHASE_SUCCEEDED || phase == v1::PHASE_ROLLED_BACK ||
         phase == v1::PHASE_ABORTED || phase == v1::PHASE_FAILED;
}

RolloutService::RolloutService(engine::RolloutController& controller, absl::Duration watch_slice)
    : controller_(controller), watch_slice_(watch_slice) {}

grpc::Status RolloutService::CreateRollout(grpc::ServerContext* context,
                                           const v1::CreateRolloutRequest* request,
                                           v1::CreateRolloutResponse* response) {
  const absl::Status has_spec =
      request->has_spec() ? absl::OkStatus() : absl::InvalidArgumentError("spec: required");
  return Respond(*context, has_spec, response,
                 [&] { return controller_.Create(*request, CallerOf(*context)); });
}

grpc::Status RolloutService::GetRollout(grpc::ServerContext* context,
                                        const v1::GetRolloutRequest* request,
                                        v1::GetRolloutResponse* response) {
  return Respond(*context, RequireName(request->name()), response,
                 [&] { return controller_.Get(*request); });
}

grpc::Status RolloutService::ListRollouts(grpc::ServerContext* context,
                                          const v1::ListRolloutsRequest* request,
                                          v1::ListRolloutsResponse* response) {
  return Respond(*context, absl::OkStatus(), response, [&] { return controller_.List(*request); });
}

grpc::Status RolloutService::WatchRollout(grpc::ServerContext* context,
                                          const v1::WatchRolloutRequest* request,
                                          grpc::ServerWriter<v1::WatchRolloutResponse>* writer) {
  if (absl::Status alive = CheckCallAlive(*context); !alive.ok()) return ToGrpcStatus(alive);
  const std::string& name = request->name();
  if (absl::Status named = RequireName(name); !named.ok()) return ToGrpcStatus(named);
  if (request->after_sequence() < 0) {
    return ToGrpcStatus(absl::InvalidArgumentError("after_sequence: must not be negative"));
  }
  absl::StatusOr<v1::Rollout> rollout = CurrentState(name);
  if (!rollout.ok()) return ToGrpcStatus(rollout.status());
  v1::WatchRolloutResponse first;
  *first.mutable_rollout() = *rollout;
  if (!writer->Write(first)) return grpc::Status::CANCELLED;

  int64_t after = request->after_sequence() > 0 ? request->after_sequence()
                                                : rollout->status().event_sequence();
  const absl::Time call_deadline = CallDeadline(*context);
  while (!IsFinalPhase(rollout->status().phase()) || after < rollout->status().event_sequence()) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    const absl::Time now = absl::Now();
    if (now >= call_deadline) {
      return ToGrpcStatus(absl::DeadlineExceededError("the watch reached its deadline"));
    }
    absl::StatusOr<std::vector<v1::RolloutEvent>> events = controller_.WaitForEvents(
        name, after, kWatchBatch, std::min(now + watch_slice_, call_deadline));
    if (!events.ok()) return ToGrpcStatus(events.status());
    if (events->empty()) continue;
    rollout = CurrentState(name);
    if (!rollout.ok()) return ToGrpcStatus(rollout.status());
    for (size_t i = 0; i < events->size(); ++i) {
      v1::WatchRolloutResponse message;
      *message.mutable_event() = std::move((*events)[i]);
      after = message.event().sequence();
      if (i + 1 == events->size()) *message.mutable_rollout() = *rollout;
      if (!writer->Write(message)) return grpc::Status::CANCELLED;
    }
  }
  return grpc::Status::OK;
}

grpc::Status RolloutService::PauseRollout(grpc::ServerContext* context,
                                          const v1::PauseRolloutRequest* request,
                                          v1::PauseRolloutResponse* response) {
  return Mutate(*context, request->name(), response,
                [&] { return controller_.Pause(*request, CallerOf(*context)); });
}

grpc::Status RolloutService::ResumeRollout(grpc::ServerContext* context,
                                           const v1::ResumeRolloutRequest* request,
                                           v1::ResumeRolloutResponse* response) {
  return Mutate(*context, request->name(), response,
                [&] { return controller_.Resume(*request, CallerOf(*context)); });
}

grpc::Status RolloutService::PromoteRollout(grpc::ServerContext* context,
                                            const v1::PromoteRolloutRequest* request,
                                            v1::PromoteRolloutResponse* response) {
  return Mutate(*context, request->name(), response,
                [&] { return controller_.Promote(*request, CallerOf(*context)); });
}

grpc::Status RolloutService::AbortRollout(grpc::ServerContext* context,
                                          const v1::AbortRolloutRequest* request,
                                          v1::AbortRolloutResponse* response) {
  return Mutate(*context, request->name(), response,
                [&] { return controller_.Abort(*request, CallerOf(*context)); });
}

grpc::Status RolloutService::ApproveRollout(grpc::ServerContext* context,
                                            const v1::ApproveRolloutRequest* request,
                                            v1::ApproveRolloutResponse* response) {
  return Mutate(*context, request->name(), response,
                [&] { return controller_.Approve(*request, CallerOf(*context)); });
}

grpc::Status RolloutService::RetryRollout(grpc::ServerContext* context,
                                          const v1::RetryRolloutRequest* request,
                                          v1::RetryRolloutResponse* response) {
  return Mutate(*context, request->name(), response,
                [&] { return controller_.Retry(*request, CallerOf(*context)); });
}

absl::StatusOr<v1::Rollout> RolloutService::CurrentState(const std::string& name) {
  v1::GetRolloutRequest request;
  request.set_name(name);
  absl::StatusOr<v1::GetRolloutResponse> response = controller_.Get(request);
  if (!response.ok()) return response.status();
  return std::move(*response->mutable_rollout());
}

}  // namespace kanarya::api
