#include "daemon/api/judge_service.h"

#include "daemon/api/api_test_server.h"
#include "daemon/api/testing/fake_rollout_controller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using testing::ContextWithin;
using ::testing::HasSubstr;

class JudgeServiceTest : public ::testing::Test {
 protected:
  testing::FakeRolloutController controller_;
  testing::ApiTestServer server_{controller_};
};

v1::MetricInput ErrorRate(int64_t canary_events, int64_t canary_total) {
  v1::MetricInput metric;
  metric.set_name("http_5xx");
  metric.set_kind(v1::METRIC_KIND_COUNT);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.set_baseline_events(400);
  metric.set_baseline_total(400000);
  metric.set_canary_events(canary_events);
  metric.set_canary_total(canary_total);
  metric.set_tolerance(0.2);
  return metric;
}

TEST_F(JudgeServiceTest, JudgeFindsARegression) {
  v1::JudgeRequest request;
  *request.add_metrics() = ErrorRate(400, 40000);  // ten times the baseline's rate
  v1::JudgeResponse response;
  ASSERT_TRUE(server_.judge().Judge(ContextWithin().get(), request, &response).ok());
  EXPECT_EQ(response.verdict(), v1::VERDICT_FAIL);
  ASSERT_EQ(response.metrics_size(), 1);
  EXPECT_NEAR(response.metrics(0).rate_ratio(), 10.0, 1e-9);
}

TEST_F(JudgeServiceTest, MalformedJudgeIsInvalidArgumentNamingTheField) {
  v1::JudgeRequest request;
  *request.add_metrics() = ErrorRate(5, 2);
  v1::JudgeResponse response;
  const grpc::Status status = server_.judge().Judge(ContextWithin().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("metrics[0].canary_total"));
}

TEST_F(JudgeServiceTest, MalformedReplayIsInvalidArgument) {
  v1::ReplayResponse response;
  const grpc::Status status =
      server_.judge().Replay(ContextWithin().get(), v1::ReplayRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(status.error_message().empty());
}

}  // namespace
}  // namespace kanarya::api
