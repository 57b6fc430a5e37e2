// kanarya.v1.JudgeService over gRPC: Judge and Replay run the gRPC-free
// analysis (analysis/judge.h, analysis/replay.h) and return its Status with
// the same code and message. Stateless; thread-safe.
#ifndef KANARYA_DAEMON_API_JUDGE_SERVICE_H_
#define KANARYA_DAEMON_API_JUDGE_SERVICE_H_

#include "kanarya/v1/judge.grpc.pb.h"

namespace kanarya::api {

class JudgeService final : public v1::JudgeService::Service {
 public:
  grpc::Status Judge(grpc::ServerContext* context, const v1::JudgeRequest* request,
                     v1::JudgeResponse* response) override;
  grpc::Status Replay(grpc::ServerContext* context, const v1::ReplayRequest* request,
                      v1::ReplayResponse* response) override;
};

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_JUDGE_SERVICE_H_
