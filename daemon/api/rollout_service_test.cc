#include "daemon/api/rollout_service.h"

#include <string>
#include <thread>
#include <vector>

#include "daemon/api/api_test_server.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/fake_rollout_controller.h"
#include "daemon/api/webhook_redaction.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using testing::ContextWithin;
using testing::ContextWithToken;
using ::testing::HasSubstr;

v1::CreateRolloutRequest CreateRequest(const std::string& virtual_service,
                                       const std::string& revision) {
  v1::CreateRolloutRequest request;
  request.mutable_spec()->mutable_target()->set_namespace_("shop");
  request.mutable_spec()->mutable_target()->set_virtual_service(virtual_service);
  request.mutable_spec()->set_revision(revision);
  request.set_reason("pipeline 42");
  return request;
}

class RolloutServiceTest : public ::testing::Test {
 protected:
  // Creates a rollout through the API and returns its name.
  std::string Create(const std::string& virtual_service, const std::string& revision) {
    v1::CreateRolloutResponse response;
    const grpc::Status status = server_.rollouts().CreateRollout(
        ContextWithin().get(), CreateRequest(virtual_service, revision), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.rollout().name();
  }

  testing::FakeRolloutController controller_;
  testing::ApiTestServer server_{controller_};
};

TEST_F(RolloutServiceTest, EmptyCreateIsInvalidArgumentNamingSpec) {
  v1::CreateRolloutResponse response;
  const grpc::Status status = server_.rollouts().CreateRollout(
      ContextWithin().get(), v1::CreateRolloutRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "spec: required");
}

TEST_F(RolloutServiceTest, ControllerErrorsKeepTheirCodeAndMessage) {
  v1::CreateRolloutRequest request = CreateRequest("web", "");
  v1::CreateRolloutResponse response;
  const grpc::Status status =
      server_.rollouts().CreateRollout(ContextWithin().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "spec.revision: required");
}

TEST_F(RolloutServiceTest, CreateIsIdempotentPerRevisionAndRefusesAnotherRevision) {
  const std::string name = Create("web", "v2");
  EXPECT_EQ(name, "rollout-1");

  v1::CreateRolloutResponse again;
  ASSERT_TRUE(server_.rollouts()
                  .CreateRollout(ContextWithin().get(), CreateRequest("web", "v2"), &again)
                  .ok());
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.rollout().name(), name);

  v1::CreateRolloutResponse other;
  const grpc::Status status =
      server_.rollouts().CreateRollout(ContextWithin().get(), CreateRequest("web", "v3"), &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("rollout-1"));
}

TEST_F(RolloutServiceTest, GetReturnsTheRolloutAndItsNewestEvents) {
  const std::string name = Create("web", "v2");
  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_PROGRESSING, 10).ok());

  v1::GetRolloutRequest request;
  request.set_name(name);
  request.set_event_limit(1);
  v1::GetRolloutResponse response;
  ASSERT_TRUE(server_.rollouts().GetRollout(ContextWithin().get(), request, &response).ok());
  EXPECT_EQ(response.rollout().spec().revision(), "v2");
  EXPECT_EQ(response.rollout().status().canary_weight(), 10);
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).sequence(), 2);
}

TEST_F(RolloutServiceTest, GetUnknownIsNotFoundAndNamelessIsInvalid) {
  v1::GetRolloutRequest request;
  v1::GetRolloutResponse response;
  grpc::Status status = server_.rollouts().GetRollout(ContextWithin().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "name: required");

  request.set_name("rollout-9");
  status = server_.rollouts().GetRollout(ContextWithin().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RolloutServiceTest, ListPagesThroughEveryRollout) {
  Create("a", "v1");
  Create("b", "v1");
  Create("c", "v1");
  v1::ListRolloutsRequest request;
  request.set_page_size(2);
  v1::ListRolloutsResponse first;
  ASSERT_TRUE(server_.rollouts().ListRollouts(ContextWithin().get(), request, &first).ok());
  ASSERT_EQ(first.rollouts_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());

  request.set_page_token(first.next_page_token());
  v1::ListRolloutsResponse second;
  ASSERT_TRUE(server_.rollouts().ListRollouts(ContextWithin().get(), request, &second).ok());
  ASSERT_EQ(second.rollouts_size(), 1);
  EXPECT_EQ(second.rollouts(0).name(), "rollout-3");
  EXPECT_TRUE(second.next_page_token().empty());
}

TEST_F(RolloutServiceTest, EveryMutationReturnsTheRolloutAndRecordsTheReason) {
  const std::string name = Create("web", "v2");
  auto& stub = server_.rollouts();

  v1::PauseRolloutRequest pause;
  pause.set_name(name);
  pause.set_reason("looking at dashboards");
  v1::PauseRolloutResponse paused;
  ASSERT_TRUE(stub.PauseRollout(ContextWithin().get(), pause, &paused).ok());
  EXPECT_EQ(paused.rollout().status().phase(), v1::PHASE_PAUSED);

  v1::ResumeRolloutRequest resume;
  resume.set_name(name);
  v1::ResumeRolloutResponse resumed;
  ASSERT_TRUE(stub.ResumeRollout(ContextWithin().get(), resume, &resumed).ok());
  EXPECT_EQ(resumed.rollout().status().phase(), v1::PHASE_PROGRESSING);

  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_AWAITING_APPROVAL, 10).ok());
  v1::ApproveRolloutRequest approve;
  approve.set_name(name);
  v1::ApproveRolloutResponse approved;
  ASSERT_TRUE(stub.ApproveRollout(ContextWithin().get(), approve, &approved).ok());
  EXPECT_EQ(approved.rollout().status().phase(), v1::PHASE_PROGRESSING);

  v1::AbortRolloutRequest abort;
  abort.set_name(name);
  v1::AbortRolloutResponse aborted;
  ASSERT_TRUE(stub.AbortRollout(ContextWithin().get(), abort, &aborted).ok());
  EXPECT_EQ(aborted.rollout().status().phase(), v1::PHASE_ABORTED);
  EXPECT_EQ(aborted.rollout().status().canary_weight(), 0);

  v1::RetryRolloutRequest retry;
  retry.set_name(name);
  v1::RetryRolloutResponse retried;
  ASSERT_TRUE(stub.RetryRollout(ContextWithin().get(), retry, &retried).ok());
  EXPECT_EQ(retried.rollout().status().phase(), v1::PHASE_PROGRESSING);

  v1::PromoteRolloutRequest promote;
  promote.set_name(name);
  promote.set_full(true);
  v1::PromoteRolloutResponse promoted;
  ASSERT_TRUE(stub.PromoteRollout(ContextWithin().get(), promote, &promoted).ok());
  EXPECT_EQ(promoted.rollout().status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_EQ(promoted.rollout().status().canary_weight(), 100);

  v1::GetRolloutRequest get;
  get.set_name(name);
  get.set_event_limit(100);
  v1::GetRolloutResponse log;
  ASSERT_TRUE(stub.GetRollout(ContextWithin().get(), get, &log).ok());
  ASSERT_GE(log.events_size(), 2);
  EXPECT_EQ(log.events(1).action(), "PauseRollout");
  EXPECT_EQ(log.events(1).reason(), "looking at dashboards");
  EXPECT_EQ(log.events(1).actor(), "anonymous");
}

TEST_F(RolloutServiceTest, IllegalTransitionIsFailedPreconditionNamingThePhase) {
  const std::string name = Create("web", "v2");
  v1::ApproveRolloutRequest approve;
  approve.set_name(name);
  v1::ApproveRolloutResponse response;
  const grpc::Status status =
      server_.rollouts().ApproveRollout(ContextWithin().get(), approve, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("PHASE_PROGRESSING"));
}

TEST_F(RolloutServiceTest, MutationWithoutNameIsInvalidArgument) {
  v1::PauseRolloutResponse response;
  const grpc::Status status =
      server_.rollouts().PauseRollout(ContextWithin().get(), v1::PauseRolloutRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "name: required");
}

TEST_F(RolloutServiceTest, WatchSendsTheStateThenEachEventAndEndsAtAFinalPhase) {
  const std::string name = Create("web", "v2");
  v1::WatchRolloutRequest request;
  request.set_name(name);
  auto context = ContextWithin();
  auto stream = server_.rollouts().WatchRollout(context.get(), request);

  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_FALSE(message.has_event());
  EXPECT_EQ(message.rollout().status().event_sequence(), 1);

  std::thread engine([&] {
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(controller_.Advance(name, v1::PHASE_PROGRESSING, 10).ok());
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(controller_.Advance(name, v1::PHASE_SUCCEEDED, 100).ok());
  });
  std::vector<int> weights;
  while (stream->Read(&message)) {
    ASSERT_TRUE(message.has_event());
    weights.push_back(message.event().canary_weight());
  }
  engine.join();
  EXPECT_EQ(weights, (std::vector<int>{10, 100}));
  EXPECT_EQ(message.rollout().status().phase(), v1::PHASE_SUCCEEDED);
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(RolloutServiceTest, WatchResumesAfterTheGivenSequence) {
  const std::string name = Create("web", "v2");                            // event 1
  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_PROGRESSING, 10).ok());  // 2
  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_PROGRESSING, 20).ok());  // 3
  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_ROLLED_BACK, 0).ok());   // 4

  v1::WatchRolloutRequest request;
  request.set_name(name);
  request.set_after_sequence(2);
  auto context = ContextWithin();
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  std::vector<int64_t> sequences;
  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.rollout().status().phase(), v1::PHASE_ROLLED_BACK);
  while (stream->Read(&message)) sequences.push_back(message.event().sequence());
  EXPECT_EQ(sequences, (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(RolloutServiceTest, WatchOfAFinishedRolloutSendsItsStateAndEnds) {
  const std::string name = Create("web", "v2");
  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_SUCCEEDED, 100).ok());
  v1::WatchRolloutRequest request;
  request.set_name(name);
  auto context = ContextWithin();
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(RolloutServiceTest, WatchOfUnknownRolloutIsNotFound) {
  v1::WatchRolloutRequest request;
  request.set_name("rollout-7");
  auto context = ContextWithin();
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  v1::WatchRolloutResponse message;
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RolloutServiceTest, WatchEndsAtTheCallDeadline) {
  const std::string name = Create("web", "v2");
  v1::WatchRolloutRequest request;
  request.set_name(name);
  auto context = ContextWithin(absl::Milliseconds(300));
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(RolloutServiceTest, CancelledWatchStopsWaiting) {
  const std::string name = Create("web", "v2");
  v1::WatchRolloutRequest request;
  request.set_name(name);
  auto context = ContextWithin();
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  context->TryCancel();
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server notices within one 50 ms slice; after that no more waits.
  absl::SleepFor(absl::Milliseconds(300));
  const int calls = controller_.wait_calls();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(controller_.wait_calls(), calls);
}

TEST_F(RolloutServiceTest, ExpiredDeadlineIsDeadlineExceeded) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() - absl::Seconds(1)));
  v1::ListRolloutsResponse response;
  const grpc::Status status =
      server_.rollouts().ListRollouts(&context, v1::ListRolloutsRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST(WebhookRedactionTest, KeepsSchemeAndHostOnly) {
  EXPECT_EQ(RedactedWebhookUrl("https://hooks.slack.com/services/T0/B0/XyZsecret"),
            "https://hooks.slack.com/…");
  EXPECT_EQ(RedactedWebhookUrl("http://gates.internal:8080/qa?token=abc#frag"),
            "http://gates.internal:8080/…");
  EXPECT_EQ(RedactedWebhookUrl("https://user:pass@example.com?key=1"), "https://example.com/…");
  EXPECT_EQ(RedactedWebhookUrl("not a url"), "…");
}

constexpr char kSlackUrl[] = "https://hooks.slack.com/services/T0/B0/XyZsecret?token=abc";

v1::CreateRolloutRequest WithSlackHook() {
  v1::CreateRolloutRequest request = CreateRequest("web", "v2");
  v1::Webhook& hook = *request.mutable_spec()->add_webhooks();
  hook.set_name("team-chat");
  hook.set_type(v1::WEBHOOK_TYPE_EVENT);
  hook.set_url(kSlackUrl);
  return request;
}

// A viewer of namespace shop, and an operator who creates rollouts there.
class WebhookRedactionApiTest : public ::testing::Test {
 protected:
  WebhookRedactionApiTest()
      : tokens_(
            "tok-viewer,vera,1,kanarya:viewer:shop\n"
            "tok-operator,otto,2,kanarya:operator:shop\n") {}

  testing::TokenFileForTest tokens_;
  testing::FakeRolloutController controller_;
  testing::ApiTestServer server_{controller_, tokens_.authorizer()};
};

TEST_F(WebhookRedactionApiTest, NoAnswerCarriesAWebhooksPathOrQuery) {
  const std::string shown = "https://hooks.slack.com/…";
  v1::CreateRolloutResponse created;
  ASSERT_TRUE(server_.rollouts()
                  .CreateRollout(ContextWithToken("tok-operator").get(), WithSlackHook(), &created)
                  .ok());
  EXPECT_EQ(created.rollout().spec().webhooks(0).url(), shown);
  const std::string name = created.rollout().name();

  v1::GetRolloutRequest get;
  get.set_name(name);
  v1::GetRolloutResponse got;
  ASSERT_TRUE(server_.rollouts().GetRollout(ContextWithToken("tok-viewer").get(), get, &got).ok());
  EXPECT_EQ(got.rollout().spec().webhooks(0).url(), shown);
  EXPECT_EQ(got.rollout().spec().webhooks(0).name(), "team-chat");
  EXPECT_THAT(got.DebugString(), ::testing::Not(HasSubstr("services/T0")));
  EXPECT_THAT(got.DebugString(), ::testing::Not(HasSubstr("token=abc")));

  v1::ListRolloutsResponse listed;
  ASSERT_TRUE(
      server_.rollouts()
          .ListRollouts(ContextWithToken("tok-viewer").get(), v1::ListRolloutsRequest(), &listed)
          .ok());
  ASSERT_EQ(listed.rollouts_size(), 1);
  EXPECT_EQ(listed.rollouts(0).spec().webhooks(0).url(), shown);

  v1::PauseRolloutRequest pause;
  pause.set_name(name);
  v1::PauseRolloutResponse paused;
  ASSERT_TRUE(
      server_.rollouts().PauseRollout(ContextWithToken("tok-operator").get(), pause, &paused).ok());
  EXPECT_EQ(paused.rollout().spec().webhooks(0).url(), shown);

  // The watch's first message is the state; then each event with the state.
  ASSERT_TRUE(controller_.Advance(name, v1::PHASE_ABORTED, 0).ok());
  v1::WatchRolloutRequest watch;
  watch.set_name(name);
  watch.set_after_sequence(1);
  auto context = ContextWithToken("tok-viewer");
  auto reader = server_.rollouts().WatchRollout(context.get(), watch);
  v1::WatchRolloutResponse message;
  int with_rollout = 0;
  for (int i = 0; i < 100 && reader->Read(&message); ++i) {
    if (!message.has_rollout()) continue;
    ++with_rollout;
    EXPECT_EQ(message.rollout().spec().webhooks(0).url(), shown);
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_GE(with_rollout, 2);

  // The controller (the engine) still has the full URL.
  EXPECT_EQ(controller_.Get(get)->rollout().spec().webhooks(0).url(), kSlackUrl);
}

}  // namespace
}  // namespace kanarya::api
