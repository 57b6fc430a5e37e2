// kanarya.v1.JudgeService over gRPC: Judge and Replay run the gRPC-free
// analysis (analysis/judge.h, analysis/replay.h) and return its Status with
// the same code and message. Both are namespace-free, so they need an
// authenticated caller holding some role somewhere (see Authorizer).
// Stateless; thread-safe; the authorizer must outlive it.
#ifndef KANARYA_DAEMON_API_JUDGE_SERVICE_H_
#define KANARYA_DAEMON_API_JUDGE_SERVICE_H_

#include "daemon/api/auth/authorizer.h"
#include "kanarya/v1/judge.grpc.pb.h"

namespace kanarya::api {

class JudgeService final : public v1::JudgeService::Service {
 public:
  // Judge and Replay read no rollout, so without an authorizer every caller
  // may run them (as when authentication is off).
  explicit JudgeService(const auth::Authorizer& authorizer = auth::Authorizer::Open())
      : authorizer_(authorizer) {}

  grpc::Status Judge(grpc::ServerContext* context, const v1::JudgeRequest* request,
                     v1::JudgeResponse* response) override;
  grpc::Status Replay(grpc::ServerContext* context, const v1::ReplayRequest* request,
                      v1::ReplayResponse* response) override;

 private:
  const auth::Authorizer& authorizer_;
};

}  // namespace kanarya::api

#endif  // KANARYA_DAEMON_API_JUDGE_SERVICE_H_
