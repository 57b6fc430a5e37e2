#include "daemon/api/judge_service.h"

#include <utility>

#include "absl/status/statusor.h"
#include "analysis/judge.h"
#include "analysis/replay.h"
#include "daemon/api/call_context.h"
#include "daemon/api/status_mapping.h"

namespace kanarya::api {
namespace {

absl::Status Authorize(const grpc::ServerContext& context, const auth::Authorizer& authorizer,
                       auth::ApiMethod method) {
  absl::StatusOr<auth::Identity> identity = authorizer.Authenticate(CredentialsOf(context));
  if (!identity.ok()) return identity.status();
  return authorizer.AuthorizeAnywhere(*identity, method);
}

template <typename Request, typename Response>
grpc::Status Run(const grpc::ServerContext& context, const auth::Authorizer& authorizer,
                 auth::ApiMethod method, const Request& request, Response* response,
                 absl::StatusOr<Response> (*analyse)(const Request&)) {
  if (absl::Status alive = CheckCallAlive(context); !alive.ok()) return ToGrpcStatus(alive);
  if (absl::Status allowed = Authorize(context, authorizer, method); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  absl::StatusOr<Response> result = analyse(request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status JudgeService::Judge(grpc::ServerContext* context, const v1::JudgeRequest* request,
                                 v1::JudgeResponse* response) {
  return Run(*context, authorizer_, auth::ApiMethod::kJudge, *request, response, &analysis::Judge);
}

grpc::Status JudgeService::Replay(grpc::ServerContext* context, const v1::ReplayRequest* request,
                                  v1::ReplayResponse* response) {
  return Run(*context, authorizer_, auth::ApiMethod::kReplay, *request, response,
             &analysis::Replay);
}

}  // namespace kanarya::api
