// RolloutService over the real engine and the SQLite store, with the
// engine's doubles for the clock, Prometheus and the mesh: what a client
// sees through a channel while the daemon's loop drives a rollout.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "daemon/api/api_test_server.h"
#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/virtual_clock.h"
#include "daemon/store/sqlite_state_store.h"
#include "daemon/testing/canary_traffic.h"
#include "daemon/testing/fake_metric_provider.h"
#include "daemon/testing/fake_traffic_router.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using ::testing::Contains;
using testing::ContextWithin;
using ::testing::HasSubstr;

// A data directory of the current test's own, emptied.
std::string FreshDirectory() {
  std::string path = ::testing::TempDir() + "/engine_api_test_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(path);
  return path;
}

class EngineApiTest : public ::testing::Test {
 protected:
  EngineApiTest()
      : store_(*store::SqliteStateStore::Open(FreshDirectory())),
        prometheus_(kanarya::testing::MakeResponder({})),
        engine_(
            clock_, *store_,
            [this](const std::string& name) -> metrics::MetricProvider* {
              return name == "prometheus" ? &prometheus_ : nullptr;
            },
            [this](const v1::Rollout& rollout) -> absl::StatusOr<mesh::TrafficRouterPtr> {
              if (!cluster_configured_) {
                return absl::FailedPreconditionError("no Kubernetes cluster is configured");
              }
              return mesh_.MakeRouter(rollout);
            }) {}

  std::string Create(const v1::RolloutSpec& spec) {
    v1::CreateRolloutRequest request;
    *request.mutable_spec() = spec;
    v1::CreateRolloutResponse response;
    const grpc::Status status =
        server_.rollouts().CreateRollout(ContextWithin().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.rollout().name();
  }

  // The daemon's loop on the virtual clock: runs what is due, then jumps to
  // the next due time, until `stop` or the bound.
  void Drive(const std::atomic<bool>& stop) {
    for (int i = 0; i < 100'000 && !stop.load(); ++i) {
      const absl::Time next = engine_.RunDue();
      clock_.AdvanceTo(std::max(next, clock_.Now()));
    }
  }

  std::atomic<bool> cluster_configured_ = true;
  kanarya::engine::VirtualClock clock_;
  store::StateStorePtr store_;
  kanarya::testing::FakeMesh mesh_;
  kanarya::testing::FakeMetricProvider prometheus_;
  engine::RolloutEngine engine_;
  testing::ApiTestServer server_{engine_};
};

TEST_F(EngineApiTest, CreateIsIdempotentAndAnotherRevisionIsAlreadyExists) {
  const std::string name = Create(kanarya::testing::TestRolloutSpec());
  ASSERT_FALSE(name.empty());

  v1::CreateRolloutRequest again;
  *again.mutable_spec() = kanarya::testing::TestRolloutSpec();
  v1::CreateRolloutResponse response;
  ASSERT_TRUE(server_.rollouts().CreateRollout(ContextWithin().get(), again, &response).ok());
  EXPECT_FALSE(response.created());
  EXPECT_EQ(response.rollout().name(), name);

  again.mutable_spec()->set_revision("v3");
  const grpc::Status other =
      server_.rollouts().CreateRollout(ContextWithin().get(), again, &response);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(EngineApiTest, InvalidSpecIsInvalidArgumentWithTheFieldPath) {
  v1::RolloutSpec spec = kanarya::testing::TestRolloutSpec();
  spec.mutable_steps()->mutable_steps(1)->set_weight(5);  // below the first step's 10
  v1::CreateRolloutRequest request;
  *request.mutable_spec() = spec;
  v1::CreateRolloutResponse response;
  const grpc::Status status =
      server_.rollouts().CreateRollout(ContextWithin().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("steps.steps[1].weight"));
}

TEST_F(EngineApiTest, WatchFollowsAGoodCanaryToSuccessThenResumes) {
  const std::string name = Create(kanarya::testing::TestRolloutSpec());
  v1::WatchRolloutRequest request;
  request.set_name(name);
  auto context = ContextWithin(absl::Seconds(60));
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.rollout().status().phase(), v1::PHASE_PENDING);
  const int64_t first_sequence = message.rollout().status().event_sequence();

  std::atomic<bool> stop = false;
  std::thread loop([&] { Drive(stop); });
  std::vector<int64_t> sequences;
  std::vector<int> weights;
  while (stream->Read(&message)) {
    ASSERT_TRUE(message.has_event());
    sequences.push_back(message.event().sequence());
    if (message.event().type() == v1::EVENT_TYPE_WEIGHT_CHANGED) {
      weights.push_back(message.event().canary_weight());
    }
  }
  stop = true;
  loop.join();
  const grpc::Status finished = stream->Finish();
  ASSERT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(message.rollout().status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()));
  EXPECT_THAT(weights, Contains(50));
  // Every event stored after the first message's state was streamed, once.
  const auto stored = store_->ListEvents(name, first_sequence, 1000);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(sequences.size(), stored->size());
  for (size_t i = 0; i < sequences.size(); ++i) EXPECT_EQ(sequences[i], (*stored)[i].sequence());

  // A watch resumed after the third event gets exactly the rest.
  request.set_after_sequence(sequences[2]);
  auto resumed_context = ContextWithin();
  auto resumed = server_.rollouts().WatchRollout(resumed_context.get(), request);
  std::vector<int64_t> rest;
  ASSERT_TRUE(resumed->Read(&message));  // the current state
  while (resumed->Read(&message)) rest.push_back(message.event().sequence());
  EXPECT_TRUE(resumed->Finish().ok());
  EXPECT_EQ(rest, std::vector<int64_t>(sequences.begin() + 3, sequences.end()));
}

TEST_F(EngineApiTest, WithoutAClusterTheRolloutFailsItsPreflightSayingWhy) {
  cluster_configured_ = false;
  const std::string name = Create(kanarya::testing::TestRolloutSpec());
  v1::WatchRolloutRequest request;
  request.set_name(name);
  auto context = ContextWithin(absl::Seconds(60));
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  std::atomic<bool> stop = false;
  std::thread loop([&] { Drive(stop); });
  v1::WatchRolloutResponse message;
  v1::Rollout last;
  while (stream->Read(&message)) {
    if (message.has_rollout()) last = message.rollout();
  }
  stop = true;
  loop.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(last.status().phase(), v1::PHASE_FAILED);
  EXPECT_THAT(last.status().reason(), HasSubstr("no Kubernetes cluster is configured"));
}

TEST_F(EngineApiTest, OperatorCallsFollowThePhaseRules) {
  const std::string name = Create(kanarya::testing::TestRolloutSpec());
  // Run until the rollout progresses at its first step.
  for (int i = 0; i < 1000; ++i) {
    v1::GetRolloutRequest get;
    get.set_name(name);
    v1::GetRolloutResponse current;
    ASSERT_TRUE(server_.rollouts().GetRollout(ContextWithin().get(), get, &current).ok());
    if (current.rollout().status().phase() == v1::PHASE_PROGRESSING) break;
    clock_.AdvanceTo(std::max(engine_.RunDue(), clock_.Now()));
  }
  v1::ApproveRolloutRequest approve;
  approve.set_name(name);
  v1::ApproveRolloutResponse approved;
  const grpc::Status refused =
      server_.rollouts().ApproveRollout(ContextWithin().get(), approve, &approved);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("PROGRESSING"));

  v1::PauseRolloutRequest pause;
  pause.set_name(name);
  pause.set_reason("checking dashboards");
  v1::PauseRolloutResponse paused;
  ASSERT_TRUE(server_.rollouts().PauseRollout(ContextWithin().get(), pause, &paused).ok());
  EXPECT_EQ(paused.rollout().status().phase(), v1::PHASE_PAUSED);

  v1::AbortRolloutRequest abort;
  abort.set_name(name);
  v1::AbortRolloutResponse aborted;
  ASSERT_TRUE(server_.rollouts().AbortRollout(ContextWithin().get(), abort, &aborted).ok());
  v1::RetryRolloutRequest retry;
  retry.set_name(name);
  v1::RetryRolloutResponse retried;
  const grpc::Status retry_status =
      server_.rollouts().RetryRollout(ContextWithin().get(), retry, &retried);
  // Aborting rolls back first; a retry is legal once the rollback is done.
  if (!retry_status.ok()) {
    EXPECT_EQ(retry_status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }

  v1::GetRolloutRequest get;
  get.set_name("no-such-rollout");
  v1::GetRolloutResponse response;
  EXPECT_EQ(server_.rollouts().GetRollout(ContextWithin().get(), get, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace kanarya::api
