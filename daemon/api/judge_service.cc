#include "daemon/api/judge_service.h"

#include <utility>

#include "absl/status/statusor.h"
#include "analysis/judge.h"
#include "analysis/replay.h"
#include "daemon/api/call_context.h"
#include "daemon/api/status_mapping.h"

namespace kanarya::api {
namespace {

template <typename Request, typename Response>
grpc::Status Run(const grpc::ServerContext& context, const Request& request, Response* response,
                 absl::StatusOr<Response> (*analyse)(const Request&)) {
  if (absl::Status alive = CheckCallAlive(context); !alive.ok()) return ToGrpcStatus(alive);
  absl::StatusOr<Response> result = analyse(request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status JudgeService::Judge(grpc::ServerContext* context, const v1::JudgeRequest* request,
                                 v1::JudgeResponse* response) {
  return Run(*context, *request, response, &analysis::Judge);
}

grpc::Status JudgeService::Replay(grpc::ServerContext* context, const v1::ReplayRequest* request,
                                  v1::ReplayResponse* response) {
  return Run(*context, *request, response, &analysis::Replay);
}

}  // namespace kanarya::api
