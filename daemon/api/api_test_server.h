// Test support: a RolloutService and JudgeService over a controller (and an
// authorizer; by default none: every caller anonymous), served on 127.0.0.1
// at a free port, with a channel and stubs to call them.
#ifndef KANARYA_DAEMON_API_API_TEST_SERVER_H_
#define KANARYA_DAEMON_API_API_TEST_SERVER_H_

#include <grpcpp/create_channel.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/api/judge_service.h"
#include "daemon/api/rollout_service.h"
#include "daemon/api/server.h"
#include "gtest/gtest.h"

namespace kanarya::api::testing {

class ApiTestServer {
 public:
  explicit ApiTestServer(engine::RolloutController& controller,
                         const auth::Authorizer& authorizer = auth::Authorizer::Open())
      : rollouts_(controller, authorizer, absl::Milliseconds(50)), judge_(authorizer) {
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start("127.0.0.1:0", {{v1::RolloutService::service_full_name(), &rollouts_},
                                          {v1::JudgeService::service_full_name(), &judge_}});
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    rollout_stub_ = v1::RolloutService::NewStub(channel_);
    judge_stub_ = v1::JudgeService::NewStub(channel_);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  GrpcServer& server() { return *server_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  v1::RolloutService::Stub& rollouts() { return *rollout_stub_; }
  v1::JudgeService::Stub& judge() { return *judge_stub_; }

 private:
  RolloutService rollouts_;
  JudgeService judge_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RolloutService::Stub> rollout_stub_;
  std::unique_ptr<v1::JudgeService::Stub> judge_stub_;
};

// A client context whose call fails after `timeout` instead of hanging a test.
inline std::unique_ptr<grpc::ClientContext> ContextWithin(
    absl::Duration timeout = absl::Seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

}  // namespace kanarya::api::testing

#endif  // KANARYA_DAEMON_API_API_TEST_SERVER_H_
