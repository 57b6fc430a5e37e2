// The audit trail through the API on the real engine: every mutating call
// is in the event log with the authenticated principal, its role, the
// action, the reason and the phases before and after, returned by
// GetRollout and WatchRollout; gates count distinct authenticated approvers
// and refuse the creator's approval by principal (not by token); and no
// token ever shows in an error, an event or the daemon's reports.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/api/api_test_server.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/testing/engine_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using testing::ContextWithToken;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTokens[] =
    "tok-otto-7f3a,otto,1,kanarya:operator:shop\n"
    "tok-anna-91c2,anna,2,kanarya:approver:shop\n"
    "tok-abel-5d0e,abel,3,kanarya:approver\n"
    "tok-bea-one-c4,bea,4,\"kanarya:operator:shop,kanarya:approver:shop\"\n"
    "tok-bea-two-e8,bea,4,\"kanarya:operator:shop,kanarya:approver:shop\"\n"
    "tok-vera-02b1,vera,5,kanarya:viewer:shop\n";
const char* const kAllTokens[] = {"tok-otto-7f3a",  "tok-anna-91c2",  "tok-abel-5d0e",
                                  "tok-bea-one-c4", "tok-bea-two-e8", "tok-vera-02b1"};

// TestRolloutSpec (shop/reviews, steps 10 % and 50 %) with a gate before
// the second step.
v1::RolloutSpec GatedSpec(int required_approvals, bool forbid_self_approval) {
  v1::RolloutSpec spec = kanarya::testing::TestRolloutSpec();
  v1::Gate& gate = *spec.mutable_steps()->mutable_steps(1)->mutable_gate();
  gate.set_manual_approval(true);
  gate.set_required_approvals(required_approvals);
  gate.set_forbid_self_approval(forbid_self_approval);
  return spec;
}

struct Action {
  std::string action;
  std::string actor;
  std::string role;
  std::string reason;
  v1::Phase before;
  v1::Phase after;

  friend bool operator==(const Action&, const Action&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Action& a) {
    return out << a.action << " by " << a.actor << " as " << a.role << " (" << a.reason << ") "
               << v1::Phase_Name(a.before) << " -> " << v1::Phase_Name(a.after);
  }
};

class AuthAuditTest : public ::testing::Test {
 protected:
  std::string Create(const v1::RolloutSpec& spec, const std::string& token,
                     const std::string& reason) {
    v1::CreateRolloutRequest request;
    *request.mutable_spec() = spec;
    request.set_reason(reason);
    v1::CreateRolloutResponse response;
    const grpc::Status status =
        server_.rollouts().CreateRollout(ContextWithToken(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.rollout().name();
  }

  template <typename Request, typename Response>
  grpc::Status Act(grpc::Status (v1::RolloutService::Stub::*rpc)(grpc::ClientContext*,
                                                                 const Request&, Response*),
                   const std::string& name, const std::string& token, const std::string& reason) {
    Request request;
    request.set_name(name);
    request.set_reason(reason);
    Response response;
    grpc::Status status =
        (server_.rollouts().*rpc)(ContextWithToken(token).get(), request, &response);
    if (!status.ok()) errors_.push_back(status.error_message());
    return status;
  }
  grpc::Status Approve(const std::string& name, const std::string& token,
                       const std::string& reason = "") {
    return Act(&v1::RolloutService::Stub::ApproveRollout, name, token, reason);
  }

  v1::GetRolloutResponse Get(const std::string& name, const std::string& token) {
    v1::GetRolloutRequest request;
    request.set_name(name);
    request.set_event_limit(1000);
    v1::GetRolloutResponse response;
    const grpc::Status status =
        server_.rollouts().GetRollout(ContextWithToken(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static std::vector<Action> Actions(const std::vector<v1::RolloutEvent>& events) {
    std::vector<Action> actions;
    for (const v1::RolloutEvent& e : events) {
      if (e.type() != v1::EVENT_TYPE_OPERATOR_ACTION) continue;
      EXPECT_GT(e.time().seconds(), 0) << e.action();
      actions.push_back(
          {e.action(), e.actor(), e.role(), e.reason(), e.phase_before(), e.phase_after()});
    }
    return actions;
  }

  kanarya::testing::EngineHarness harness_;
  testing::TokenFileForTest tokens_{kTokens};
  testing::ApiTestServer server_{*harness_.engine, tokens_.authorizer()};
  std::vector<std::string> errors_;
};

TEST_F(AuthAuditTest, EveryMutatingCallIsOnRecordWithPrincipalRoleReasonAndPhases) {
  const std::string name = Create(GatedSpec(2, false), "tok-otto-7f3a", "release 42");
  ASSERT_FALSE(name.empty());
  EXPECT_EQ(harness_.RunToPhase(name, v1::PHASE_PROGRESSING).status().phase(),
            v1::PHASE_PROGRESSING);
  using Stub = v1::RolloutService::Stub;
  ASSERT_TRUE(Act(&Stub::PauseRollout, name, "tok-otto-7f3a", "checking dashboards").ok());
  ASSERT_TRUE(Act(&Stub::ResumeRollout, name, "tok-otto-7f3a", "dashboards fine").ok());
  ASSERT_EQ(harness_.RunToPhase(name, v1::PHASE_AWAITING_APPROVAL).status().phase(),
            v1::PHASE_AWAITING_APPROVAL);

  const grpc::Status operator_approves = Approve(name, "tok-otto-7f3a");
  EXPECT_EQ(operator_approves.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(operator_approves.error_message(),
            "ApproveRollout needs the approver role in namespace \"shop\", which otto does not "
            "hold");
  ASSERT_TRUE(Approve(name, "tok-anna-91c2", "canary looks good").ok());
  const grpc::Status twice = Approve(name, "tok-anna-91c2");
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(twice.error_message(), HasSubstr("already approved by anna"));
  EXPECT_EQ(Get(name, "tok-vera-02b1").rollout().status().phase(), v1::PHASE_AWAITING_APPROVAL);
  ASSERT_TRUE(Approve(name, "tok-abel-5d0e", "second pair of eyes").ok());

  const v1::GetRolloutResponse seen = Get(name, "tok-vera-02b1");
  EXPECT_EQ(seen.rollout().created_by(), "otto");
  EXPECT_EQ(seen.rollout().status().phase(), v1::PHASE_PROGRESSING);
  EXPECT_THAT(seen.rollout().status().reason(), HasSubstr("approved by anna, abel"));
  const std::vector<Action> expected = {
      {"CreateRollout", "otto", "operator", "release 42", v1::PHASE_UNSPECIFIED, v1::PHASE_PENDING},
      {"PauseRollout", "otto", "operator", "checking dashboards", v1::PHASE_PROGRESSING,
       v1::PHASE_PAUSED},
      {"ResumeRollout", "otto", "operator", "dashboards fine", v1::PHASE_PAUSED,
       v1::PHASE_PROGRESSING},
      {"ApproveRollout", "anna", "approver", "canary looks good", v1::PHASE_AWAITING_APPROVAL,
       v1::PHASE_AWAITING_APPROVAL},
      {"ApproveRollout", "abel", "approver", "second pair of eyes", v1::PHASE_AWAITING_APPROVAL,
       v1::PHASE_PROGRESSING},
  };
  EXPECT_EQ(Actions({seen.events().begin(), seen.events().end()}), expected);

  // WatchRollout resumed after the creation streams the rest of the record.
  int64_t created = 0;
  for (const v1::RolloutEvent& event : seen.events()) {
    if (event.action() == "CreateRollout") created = event.sequence();
  }
  ASSERT_GT(created, 0);
  v1::WatchRolloutRequest watch;
  watch.set_name(name);
  watch.set_after_sequence(created);
  auto context = ContextWithToken("tok-vera-02b1");
  auto stream = server_.rollouts().WatchRollout(context.get(), watch);
  std::vector<v1::RolloutEvent> streamed;
  v1::WatchRolloutResponse message;
  const int64_t last = seen.events(seen.events_size() - 1).sequence();
  while (stream->Read(&message)) {
    if (message.has_event()) streamed.push_back(message.event());
    if (message.event().sequence() >= last) break;
  }
  context->TryCancel();
  stream->Finish();
  EXPECT_EQ(Actions(streamed), std::vector<Action>(expected.begin() + 1, expected.end()));
}

TEST_F(AuthAuditTest, SelfApprovalComparesThePrincipalNotTheToken) {
  const std::string name = Create(GatedSpec(1, true), "tok-bea-one-c4", "");
  ASSERT_EQ(harness_.RunToPhase(name, v1::PHASE_AWAITING_APPROVAL).status().phase(),
            v1::PHASE_AWAITING_APPROVAL);
  const grpc::Status self = Approve(name, "tok-bea-two-e8");  // bea's other token
  EXPECT_EQ(self.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(self.error_message(),
              HasSubstr("bea created this rollout and the gate forbids self-approval"));
  ASSERT_TRUE(Approve(name, "tok-anna-91c2").ok());
  EXPECT_EQ(Get(name, "tok-vera-02b1").rollout().status().phase(), v1::PHASE_PROGRESSING);
}

TEST_F(AuthAuditTest, NoTokenAppearsInErrorsEventsOrReports) {
  const std::string name = Create(GatedSpec(2, true), "tok-otto-7f3a", "release 43");
  harness_.RunToPhase(name, v1::PHASE_AWAITING_APPROVAL);
  using Stub = v1::RolloutService::Stub;
  Act(&Stub::PauseRollout, name, "tok-otto-7f3a-typo", "wrong token");
  Act(&Stub::PauseRollout, name, "tok-vera-02b1", "a viewer tries");
  Act(&Stub::AbortRollout, name, "tok-anna-91c2", "an approver tries");
  Approve(name, "tok-otto-7f3a", "an operator tries");
  Approve(name, "tok-anna-91c2", "ok");
  Approve(name, "tok-anna-91c2", "again");
  Act(&Stub::PauseRollout, name, "tok-otto-7f3a", "hold");
  Act(&Stub::ResumeRollout, name, "", "no token");
  tokens_.Rewrite(std::string(kTokens) + "tok-broken-line,\"unterminated\n");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (tokens_.reports().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_FALSE(tokens_.reports().empty());
  ASSERT_GE(errors_.size(), 6u);

  std::vector<std::string> texts = errors_;
  for (const std::string& report : tokens_.reports()) texts.push_back(report);
  for (const v1::RolloutEvent& event : harness_.Events(name)) texts.push_back(event.DebugString());
  texts.push_back(harness_.Current(name).DebugString());
  for (const std::string& text : texts) {
    for (const char* token : kAllTokens) EXPECT_THAT(text, Not(HasSubstr(token))) << text;
    EXPECT_THAT(text, Not(HasSubstr("tok-broken-line")));
  }
}

}  // namespace
}  // namespace kanarya::api
