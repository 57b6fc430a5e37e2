#include "daemon/api/rollout_service.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "daemon/api/call_context.h"
#include "daemon/api/status_mapping.h"
#include "daemon/api/webhook_redaction.h"

namespace kanarya::api {
namespace {

using auth::ApiMethod;

// Events sent per wait; a watch far behind catches up in batches.
constexpr int kWatchBatch = 100;

absl::Status RequireName(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("name: required");
  return absl::OkStatus();
}

// The caller of a call addressing the rollout `name`: alive, authenticated,
// named, authorized — in that order, so that nothing is said about a request
// to a caller who is not authenticated.
absl::StatusOr<engine::Caller> CallerFor(const grpc::ServerContext& context,
                                         const RolloutAccess& access, ApiMethod method,
                                         const std::string& name) {
  if (absl::Status alive = CheckCallAlive(context); !alive.ok()) return alive;
  absl::StatusOr<auth::Identity> identity = access.Authenticate(CredentialsOf(context));
  if (!identity.ok()) return identity.status();
  if (absl::Status named = RequireName(name); !named.ok()) return named;
  return access.ForRollout(*identity, method, name);
}

// Stores the result of `call` (returning StatusOr<Response>) in `response`.
template <typename Response, typename Call>
grpc::Status Respond(Response* response, Call call) {
  absl::StatusOr<Response> result = call();
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

// The mutating calls by name: `call(caller)` returns the rollout.
template <typename Response, typename Call>
grpc::Status Mutate(const grpc::ServerContext& context, const RolloutAccess& access,
                    ApiMethod method, const std::string& name, Response* response, Call call) {
  absl::StatusOr<engine::Caller> caller = CallerFor(context, access, method, name);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<v1::Rollout> rollout = call(*caller);
  if (!rollout.ok()) return ToGrpcStatus(rollout.status());
  *response->mutable_rollout() = *std::move(rollout);
  RedactWebhookUrls(*response->mutable_rollout());
  return grpc::Status::OK;
}

// Controller pages one ListRollouts reads at most while filling a page.
constexpr int kMaxControllerPages = 64;

// A page of the rollouts `scope` shows, in name order from the request's page
// token: controller pages are read until the page is full or the list ends,
// and the next page token is the last rollout returned, so that neither a
// hidden rollout nor its name ever reaches the caller. A page size of 0
// takes the controller's own page size.
absl::StatusOr<v1::ListRolloutsResponse> ListVisible(engine::RolloutController& controller,
                                                     const auth::NamespaceScope& scope,
                                                     v1::ListRolloutsRequest request) {
  if (scope.every_namespace) return controller.List(request);
  v1::ListRolloutsResponse visible;
  int wanted = request.page_size();
  auto full_page = [&] {
    visible.set_next_page_token(visible.rollouts(visible.rollouts_size() - 1).name());
    return visible;
  };
  for (int read = 0; read < kMaxControllerPages; ++read) {
    absl::StatusOr<v1::ListRolloutsResponse> page = controller.List(request);
    if (!page.ok()) return page.status();
    if (wanted == 0) wanted = page->rollouts_size();
    for (const v1::Rollout& rollout : page->rollouts()) {
      if (!scope.namespaces.contains(rollout.spec().target().namespace_())) continue;
      if (visible.rollouts_size() == wanted) return full_page();  // a visible one follows
      *visible.add_rollouts() = rollout;
    }
    if (page->next_page_token().empty()) return visible;
    if (visible.rollouts_size() == wanted) return full_page();
    request.set_page_token(page->next_page_token());
  }
  if (visible.rollouts_size() > 0) return full_page();
  return absl::ResourceExhaustedError(
      absl::StrCat("ListRollouts: no rollout the caller may see among the next ",
                   kMaxControllerPages, " pages; set namespace to list one namespace"));
}

}  // namespace

bool IsFinalPhase(v1::Phase phase) {
  return phase == v1::PHASE_SUCCEEDED || phase == v1::PHASE_ROLLED_BACK ||
         phase == v1::PHASE_ABORTED || phase == v1::PHASE_FAILED;
}

RolloutService::RolloutService(engine::RolloutController& controller,
                               const auth::Authorizer& authorizer, absl::Duration watch_slice)
    : controller_(controller), access_(controller, authorizer), watch_slice_(watch_slice) {}

grpc::Status RolloutService::CreateRollout(grpc::ServerContext* context,
                                           const v1::CreateRolloutRequest* request,
                                           v1::CreateRolloutResponse* response) {
  if (absl::Status alive = CheckCallAlive(*context); !alive.ok()) return ToGrpcStatus(alive);
  absl::StatusOr<auth::Identity> identity = access_.Authenticate(CredentialsOf(*context));
  if (!identity.ok()) return ToGrpcStatus(identity.status());
  if (!request->has_spec()) return ToGrpcStatus(absl::InvalidArgumentError("spec: required"));
  const std::string& namespace_name = request->spec().target().namespace_();
  if (namespace_name.empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("spec.target.namespace: required"));
  }
  absl::StatusOr<engine::Caller> caller =
      access_.InNamespace(*identity, ApiMethod::kCreateRollout, namespace_name);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  grpc::Status status = Respond(response, [&] { return controller_.Create(*request, *caller); });
  RedactWebhookUrls(*response->mutable_rollout());
  return status;
}

grpc::Status RolloutService::GetRollout(grpc::ServerContext* context,
                                        const v1::GetRolloutRequest* request,
                                        v1::GetRolloutResponse* response) {
  absl::StatusOr<engine::Caller> caller =
      CallerFor(*context, access_, ApiMethod::kGetRollout, request->name());
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  grpc::Status status = Respond(response, [&] { return controller_.Get(*request); });
  RedactWebhookUrls(*response->mutable_rollout());
  return status;
}

grpc::Status RolloutService::ListRollouts(grpc::ServerContext* context,
                                          const v1::ListRolloutsRequest* request,
                                          v1::ListRolloutsResponse* response) {
  if (absl::Status alive = CheckCallAlive(*context); !alive.ok()) return ToGrpcStatus(alive);
  absl::StatusOr<auth::Identity> identity = access_.Authenticate(CredentialsOf(*context));
  if (!identity.ok()) return ToGrpcStatus(identity.status());
  absl::StatusOr<auth::NamespaceScope> scope = access_.ListScope(*identity, request->namespace_());
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  v1::ListRolloutsRequest scoped = *request;
  if (!scope->every_namespace && scope->namespaces.size() == 1) {
    scoped.set_namespace_(*scope->namespaces.begin());
  }
  grpc::Status status = Respond(response, [&] { return ListVisible(controller_, *scope, scoped); });
  for (v1::Rollout& rollout : *response->mutable_rollouts()) RedactWebhookUrls(rollout);
  return status;
}

grpc::Status RolloutService::WatchRollout(grpc::ServerContext* context,
                                          const v1::WatchRolloutRequest* request,
                                          grpc::ServerWriter<v1::WatchRolloutResponse>* writer) {
  const std::string& name = request->name();
  absl::StatusOr<engine::Caller> caller =
      CallerFor(*context, access_, ApiMethod::kWatchRollout, name);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
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
    // A token revoked while the stream is open ends it within a slice.
    if (caller = CallerFor(*context, access_, ApiMethod::kWatchRollout, name); !caller.ok()) {
      return ToGrpcStatus(caller.status());
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
  return Mutate(*context, access_, ApiMethod::kPauseRollout, request->name(), response,
                [&](const engine::Caller& caller) { return controller_.Pause(*request, caller); });
}

grpc::Status RolloutService::ResumeRollout(grpc::ServerContext* context,
                                           const v1::ResumeRolloutRequest* request,
                                           v1::ResumeRolloutResponse* response) {
  return Mutate(*context, access_, ApiMethod::kResumeRollout, request->name(), response,
                [&](const engine::Caller& caller) { return controller_.Resume(*request, caller); });
}

grpc::Status RolloutService::PromoteRollout(grpc::ServerContext* context,
                                            const v1::PromoteRolloutRequest* request,
                                            v1::PromoteRolloutResponse* response) {
  return Mutate(
      *context, access_, ApiMethod::kPromoteRollout, request->name(), response,
      [&](const engine::Caller& caller) { return controller_.Promote(*request, caller); });
}

grpc::Status RolloutService::AbortRollout(grpc::ServerContext* context,
                                          const v1::AbortRolloutRequest* request,
                                          v1::AbortRolloutResponse* response) {
  return Mutate(*context, access_, ApiMethod::kAbortRollout, request->name(), response,
                [&](const engine::Caller& caller) { return controller_.Abort(*request, caller); });
}

grpc::Status RolloutService::ApproveRollout(grpc::ServerContext* context,
                                            const v1::ApproveRolloutRequest* request,
                                            v1::ApproveRolloutResponse* response) {
  return Mutate(
      *context, access_, ApiMethod::kApproveRollout, request->name(), response,
      [&](const engine::Caller& caller) { return controller_.Approve(*request, caller); });
}

grpc::Status RolloutService::RetryRollout(grpc::ServerContext* context,
                                          const v1::RetryRolloutRequest* request,
                                          v1::RetryRolloutResponse* response) {
  return Mutate(*context, access_, ApiMethod::kRetryRollout, request->name(), response,
                [&](const engine::Caller& caller) { return controller_.Retry(*request, caller); });
}

absl::StatusOr<v1::Rollout> RolloutService::CurrentState(const std::string& name) {
  v1::GetRolloutRequest request;
  request.set_name(name);
  absl::StatusOr<v1::GetRolloutResponse> response = controller_.Get(request);
  if (!response.ok()) return response.status();
  RedactWebhookUrls(*response->mutable_rollout());
  return std::move(*response->mutable_rollout());
}

}  // namespace kanarya::api
