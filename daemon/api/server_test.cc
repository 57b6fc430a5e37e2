#include "daemon/api/server.h"

#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>

#include <set>
#include <string>
#include <vector>

#include "daemon/api/api_test_server.h"
#include "daemon/api/testing/fake_rollout_controller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using testing::ContextWithin;
using ::testing::IsSupersetOf;

class ServerTest : public ::testing::Test {
 protected:
  testing::FakeRolloutController controller_;
  testing::ApiTestServer server_{controller_};
};

TEST_F(ServerTest, HealthServesTheServerAndEveryService) {
  auto health = grpc::health::v1::Health::NewStub(server_.channel());
  for (const std::string service : {"", "kanarya.v1.RolloutService", "kanarya.v1.JudgeService"}) {
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    ASSERT_TRUE(health->Check(ContextWithin().get(), request, &response).ok()) << service;
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
  HealthCheckRequest unknown;
  unknown.set_service("kanarya.v1.Nothing");
  HealthCheckResponse response;
  EXPECT_EQ(health->Check(ContextWithin().get(), unknown, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, HealthWatchSeesTheServerStopServing) {
  auto health = grpc::health::v1::Health::NewStub(server_.channel());
  auto context = ContextWithin();
  auto stream = health->Watch(context.get(), HealthCheckRequest());
  HealthCheckResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  server_.server().health().SetServing(false);
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  context->TryCancel();
}

TEST_F(ServerTest, SecondServerOnTheSamePortIsRefusedNamingTheAddress) {
  const std::string address = server_.address();
  absl::StatusOr<std::unique_ptr<GrpcServer>> second = GrpcServer::Start(address, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(second.status().message(),
            absl::StrCat("grpc_address: cannot listen on \"", address, "\""));
}

// Asks the reflection service (grpc.reflection.v1alpha, whose messages are
// encoded here field by field) for the names of every service served.
std::vector<std::string> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel) {
  google::protobuf::UnknownFieldSet request;
  request.AddLengthDelimited(7, "*");  // ServerReflectionRequest.list_services
  std::string request_bytes;
  EXPECT_TRUE(request.SerializeToString(&request_bytes));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);

  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  auto context = ContextWithin();
  auto call = stub.PrepareCall(
      context.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  auto step = [&queue](auto&& start) {
    void* tag = nullptr;
    bool ok = false;
    start(&tag);
    EXPECT_TRUE(queue.Next(&tag, &ok));
    return ok;
  };
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  EXPECT_TRUE(step([&](void* tag) { call->StartCall(tag); }));
  EXPECT_TRUE(step([&](void* tag) { call->Write(request_buffer, tag); }));
  EXPECT_TRUE(step([&](void* tag) { call->WritesDone(tag); }));
  EXPECT_TRUE(step([&](void* tag) { call->Read(&response_buffer, tag); }));
  EXPECT_TRUE(step([&](void* tag) { call->Finish(&status, tag); }));
  EXPECT_TRUE(status.ok()) << status.error_message();
  queue.Shutdown();

  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(response_buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& part : slices) bytes.append(part.begin(), part.end());
  google::protobuf::UnknownFieldSet response;
  EXPECT_TRUE(response.ParseFromString(bytes));
  std::vector<std::string> names;
  for (int i = 0; i < response.field_count(); ++i) {
    if (response.field(i).number() != 6) continue;  // list_services_response
    google::protobuf::UnknownFieldSet list;
    EXPECT_TRUE(list.ParseFromString(response.field(i).length_delimited()));
    for (int j = 0; j < list.field_count(); ++j) {  // repeated ServiceResponse service = 1
      google::protobuf::UnknownFieldSet service;
      EXPECT_TRUE(service.ParseFromString(list.field(j).length_delimited()));
      names.push_back(service.field(0).length_delimited());  // string name = 1
    }
  }
  return names;
}

TEST_F(ServerTest, ReflectionListsEveryService) {
  EXPECT_THAT(ListServicesByReflection(server_.channel()),
              IsSupersetOf({"kanarya.v1.RolloutService", "kanarya.v1.JudgeService",
                            "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}));
}

}  // namespace
}  // namespace kanarya::api
