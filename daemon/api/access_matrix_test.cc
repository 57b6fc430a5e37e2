// Every RPC × every role × its own and another team's namespace × no, bad,
// expired and valid credentials, over loopback: each answer's code, and the
// caller the engine is given. Then the token file rewritten while serving,
// a watch ended by a revoked token, and List scoped to what the caller sees.
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/api/api_test_server.h"
#include "daemon/api/auth/api_method.h"
#include "daemon/api/rollout_access.h"
#include "daemon/api/testing/auth_test_support.h"
#include "daemon/api/testing/backup_test_server.h"
#include "daemon/api/testing/fake_rollout_controller.h"
#include "daemon/api/testing/permissive_controller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

using auth::ApiMethod;
using auth::Role;
using testing::ContextWithToken;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

enum class Credential { kNone, kBad, kExpired, kValid };
enum class Place { kOwn, kOther };  // the principal's namespace (shop) or another (bank)

constexpr char kTokens[] =
    "tok-viewer,vera,1,kanarya:viewer:shop\n"
    "tok-operator,otto,2,kanarya:operator:shop\n"
    "tok-approver,anna,3,kanarya:approver:shop\n";
constexpr char kExpiredLine[] = "tok-expired,ex,4,\"kanarya:operator,kanarya:approver\"\n";

struct Principal {
  std::string name;
  std::string token;
  Role role;
};
const Principal kPrincipals[] = {
    {"vera", "tok-viewer", Role::kViewer},
    {"otto", "tok-operator", Role::kOperator},
    {"anna", "tok-approver", Role::kApprover},
};

v1::ReplayRequest ReplayExample() {
  std::ifstream in(std::string(KANARYA_SOURCE_DIR) + "/examples/replay-good-canary.json");
  std::ostringstream json;
  json << in.rdbuf();
  v1::ReplayRequest request;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json.str(), &request).ok());
  return request;
}

v1::JudgeRequest JudgeExample() {
  v1::JudgeRequest request;
  v1::MetricInput& metric = *request.add_metrics();
  metric.set_name("http_5xx");
  metric.set_kind(v1::METRIC_KIND_COUNT);
  metric.set_direction(v1::DIRECTION_INCREASE);
  metric.set_baseline_events(400);
  metric.set_baseline_total(400000);
  metric.set_canary_events(40);
  metric.set_canary_total(40000);
  metric.set_tolerance(0.2);
  return request;
}

class AccessMatrixTest : public ::testing::Test {
 protected:
  AccessMatrixTest() : tokens_(std::string(kTokens) + kExpiredLine), replay_(ReplayExample()) {}

  // Revokes tok-expired (it worked until now) and waits until the daemon's
  // table no longer has it.
  void ExpireToken() {
    ASSERT_EQ(Call(ApiMethod::kGetRollout, Place::kOwn, "tok-expired").error_code(),
              grpc::StatusCode::OK);
    tokens_.Rewrite(kTokens);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (tokens_.watcher().Current()->Find("tok-expired") != nullptr) {
      ASSERT_LT(absl::Now(), deadline) << "the token file was not reloaded";
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  void WaitForReports(size_t count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (tokens_.reports().size() < count) {
      ASSERT_LT(absl::Now(), deadline) << "the token file's change was never reported";
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  // Calls `method` on the place's rollout (CreateRollout: in its namespace;
  // ListRollouts: filtered to it) with `token` (none when empty).
  grpc::Status Call(ApiMethod method, Place place, const std::string& token,
                    const std::string& rollout_name = "") {
    const std::string namespace_name = place == Place::kOwn ? "shop" : "bank";
    const std::string name =
        rollout_name.empty() ? (place == Place::kOwn ? "shop-web" : "bank-web") : rollout_name;
    auto context = ContextWithToken(token);
    v1::RolloutService::Stub& rollouts = server_.rollouts();
    switch (method) {
      case ApiMethod::kCreateRollout: {
        v1::CreateRolloutRequest request;
        request.mutable_spec()->mutable_target()->set_namespace_(namespace_name);
        request.mutable_spec()->set_revision("v2");
        v1::CreateRolloutResponse response;
        return rollouts.CreateRollout(context.get(), request, &response);
      }
      case ApiMethod::kGetRollout: {
        v1::GetRolloutRequest request;
        request.set_name(name);
        v1::GetRolloutResponse response;
        return rollouts.GetRollout(context.get(), request, &response);
      }
      case ApiMethod::kListRollouts: {
        v1::ListRolloutsRequest request;
        request.set_namespace_(namespace_name);
        v1::ListRolloutsResponse response;
        return rollouts.ListRollouts(context.get(), request, &response);
      }
      case ApiMethod::kWatchRollout: {
        v1::WatchRolloutRequest request;
        request.set_name(name);
        auto stream = rollouts.WatchRollout(context.get(), request);
        v1::WatchRolloutResponse message;
        while (stream->Read(&message)) {
        }
        return stream->Finish();
      }
      case ApiMethod::kPauseRollout:
        return ByName<v1::PauseRolloutRequest, v1::PauseRolloutResponse>(
            context.get(), name, &v1::RolloutService::Stub::PauseRollout);
      case ApiMethod::kResumeRollout:
        return ByName<v1::ResumeRolloutRequest, v1::ResumeRolloutResponse>(
            context.get(), name, &v1::RolloutService::Stub::ResumeRollout);
      case ApiMethod::kPromoteRollout:
        return ByName<v1::PromoteRolloutRequest, v1::PromoteRolloutResponse>(
            context.get(), name, &v1::RolloutService::Stub::PromoteRollout);
      case ApiMethod::kAbortRollout:
        return ByName<v1::AbortRolloutRequest, v1::AbortRolloutResponse>(
            context.get(), name, &v1::RolloutService::Stub::AbortRollout);
      case ApiMethod::kApproveRollout:
        return ByName<v1::ApproveRolloutRequest, v1::ApproveRolloutResponse>(
            context.get(), name, &v1::RolloutService::Stub::ApproveRollout);
      case ApiMethod::kRetryRollout:
        return ByName<v1::RetryRolloutRequest, v1::RetryRolloutResponse>(
            context.get(), name, &v1::RolloutService::Stub::RetryRollout);
      case ApiMethod::kJudge: {
        v1::JudgeResponse response;
        return server_.judge().Judge(context.get(), JudgeExample(), &response);
      }
      case ApiMethod::kReplay: {
        v1::ReplayResponse response;
        return server_.judge().Replay(context.get(), replay_, &response);
      }
      case ApiMethod::kBackup:
        return backup_.Call(context.get());
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "unknown method");
  }

  template <typename Request, typename Response>
  grpc::Status ByName(grpc::ClientContext* context, const std::string& name,
                      grpc::Status (v1::RolloutService::Stub::*rpc)(grpc::ClientContext*,
                                                                    const Request&, Response*)) {
    Request request;
    request.set_name(name);
    request.set_reason("matrix");
    Response response;
    return (server_.rollouts().*rpc)(context, request, &response);
  }

  testing::TokenFileForTest tokens_;
  const v1::ReplayRequest replay_;
  testing::PermissiveController controller_;
  testing::ApiTestServer server_{controller_, tokens_.authorizer()};
  testing::BackupTestServer backup_{tokens_.authorizer()};
};

// What the table of the issue prescribes for a valid credential.
grpc::StatusCode Expected(ApiMethod method, Role held, Place place) {
  const Role needed = auth::RequiredRole(method);
  const bool holds = held == needed || needed == Role::kViewer;
  if (method == ApiMethod::kJudge || method == ApiMethod::kReplay) {
    return grpc::StatusCode::OK;  // namespace-free: any role anywhere suffices
  }
  if (auth::NeedsEveryNamespace(method)) {
    return grpc::StatusCode::PERMISSION_DENIED;  // each principal holds roles in shop only
  }
  if (place == Place::kOwn) {
    return holds ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED;
  }
  // Another team's namespace, where the principal holds no role: Create and
  // List name the namespace (nothing to hide); a rollout is not found.
  if (method == ApiMethod::kCreateRollout || method == ApiMethod::kListRollouts) {
    return grpc::StatusCode::PERMISSION_DENIED;
  }
  return grpc::StatusCode::NOT_FOUND;
}

TEST_F(AccessMatrixTest, EveryMethodRoleNamespaceAndCredential) {
  ExpireToken();
  int checked = 0;
  for (ApiMethod method : auth::kAllApiMethods) {
    for (const Principal& principal : kPrincipals) {
      for (Place place : {Place::kOwn, Place::kOther}) {
        for (Credential credential :
             {Credential::kNone, Credential::kBad, Credential::kExpired, Credential::kValid}) {
          const std::string token = credential == Credential::kNone      ? ""
                                    : credential == Credential::kBad     ? "tok-forged"
                                    : credential == Credential::kExpired ? "tok-expired"
                                                                         : principal.token;
          const grpc::StatusCode expected = credential == Credential::kValid
                                                ? Expected(method, principal.role, place)
                                                : grpc::StatusCode::UNAUTHENTICATED;
          controller_.ClearCalls();
          const grpc::Status status = Call(method, place, token);
          const std::string where =
              absl::StrCat(auth::MethodName(method), " by ", principal.name, " in ",
                           place == Place::kOwn ? "own" : "other", " namespace with ",
                           token.empty() ? "no token" : token);
          ASSERT_EQ(status.error_code(), expected) << where << ": " << status.error_message();
          ++checked;
          if (expected == grpc::StatusCode::PERMISSION_DENIED) {
            const std::string scope =
                auth::NeedsEveryNamespace(method)
                    ? std::string("every namespace")
                    : absl::StrCat("namespace \"", place == Place::kOwn ? "shop" : "bank", "\"");
            EXPECT_THAT(
                status.error_message(),
                HasSubstr(absl::StrCat("needs the ", auth::RoleName(auth::RequiredRole(method)),
                                       " role in ", scope)))
                << where;
            EXPECT_THAT(status.error_message(), HasSubstr(principal.name)) << where;
          }
          // (A backup changes no rollout: the engine is never called.)
          const bool mutating =
              auth::RequiredRole(method) != Role::kViewer && method != ApiMethod::kBackup;
          if (mutating && expected == grpc::StatusCode::OK) {
            // The engine is told who acted, with the role that allowed it.
            EXPECT_THAT(controller_.calls(),
                        ElementsAre(absl::StrCat(auth::MethodName(method), " ", principal.name, "/",
                                                 auth::RoleName(auth::RequiredRole(method)))))
                << where;
          } else if (mutating) {
            EXPECT_TRUE(controller_.calls().empty()) << where;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 13 * 3 * 2 * 4);
}

TEST_F(AccessMatrixTest, AHiddenRolloutAndAMissingOneAreTheSameNotFound) {
  const grpc::Status hidden = Call(ApiMethod::kGetRollout, Place::kOther, "tok-viewer");
  const grpc::Status missing =
      Call(ApiMethod::kGetRollout, Place::kOwn, "tok-viewer", "bank-web-nonexistent");
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message(), RolloutNotFoundMessage("bank-web"));
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), RolloutNotFoundMessage("bank-web-nonexistent"));
}

TEST_F(AccessMatrixTest, AnUnauthenticatedCallLearnsNothingAboutTheRequest) {
  v1::GetRolloutRequest unnamed;
  v1::GetRolloutResponse response;
  EXPECT_EQ(
      server_.rollouts().GetRollout(ContextWithToken("").get(), unnamed, &response).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(server_.rollouts()
                .GetRollout(ContextWithToken("tok-viewer").get(), unnamed, &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::CreateRolloutResponse created;
  EXPECT_EQ(
      server_.rollouts()
          .CreateRollout(ContextWithToken("tok-forged").get(), v1::CreateRolloutRequest(), &created)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AccessMatrixTest, ListWithoutAFilterShowsOnlyTheCallersNamespaces) {
  auto names = [&](const std::string& token) {
    v1::ListRolloutsResponse response;
    const grpc::Status status = server_.rollouts().ListRollouts(
        ContextWithToken(token).get(), v1::ListRolloutsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> listed;
    for (const v1::Rollout& rollout : response.rollouts()) listed.push_back(rollout.name());
    return listed;
  };
  EXPECT_THAT(names("tok-viewer"), UnorderedElementsAre("shop-web", "shop-live"));
  EXPECT_THAT(names("tok-expired"),
              UnorderedElementsAre("shop-web", "shop-live", "bank-web"));  // kanarya:operator
}

TEST_F(AccessMatrixTest, ARewrittenTokenFileTakesEffectWhileServing) {
  EXPECT_EQ(Call(ApiMethod::kPauseRollout, Place::kOwn, "tok-new").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  tokens_.Rewrite(std::string(kTokens) + "tok-new,nina,5,kanarya:operator:shop\n");
  // The new token works, and the removed one is refused, within a bounded
  // number of reload periods (20 ms each; 10 s is 500 of them).
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  grpc::Status status;
  while ((status = Call(ApiMethod::kPauseRollout, Place::kOwn, "tok-new")).error_code() ==
         grpc::StatusCode::UNAUTHENTICATED) {
    ASSERT_LT(absl::Now(), deadline) << "the new token was never accepted";
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(controller_.calls(), ElementsAre("PauseRollout nina/operator"));
  EXPECT_EQ(Call(ApiMethod::kPauseRollout, Place::kOwn, "tok-expired").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  WaitForReports(1);
  EXPECT_THAT(tokens_.reports().back(), HasSubstr("reloaded " + tokens_.path() + ": 4 token(s)"));

  // A broken rewrite keeps only the tokens it still names: revocation fails
  // closed.
  tokens_.Rewrite("tok-new,nina\n");
  WaitForReports(2);
  EXPECT_THAT(tokens_.reports().back(),
              HasSubstr("line 1: needs at least 3 columns (token, user, uid), found 2; keeping "
                        "the previous 1 token(s) (3 revoked: no longer in the file)"));
  EXPECT_TRUE(Call(ApiMethod::kPauseRollout, Place::kOwn, "tok-new").ok());
  EXPECT_EQ(Call(ApiMethod::kPauseRollout, Place::kOwn, "tok-operator").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AccessMatrixTest, ARevokedTokenEndsAnOpenWatch) {
  v1::WatchRolloutRequest request;
  request.set_name("shop-live");
  auto context = ContextWithToken("tok-expired", absl::Seconds(30));
  auto stream = server_.rollouts().WatchRollout(context.get(), request);
  v1::WatchRolloutResponse message;
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.rollout().name(), "shop-live");
  const absl::Time revoked = absl::Now();
  tokens_.Rewrite(kTokens);
  while (stream->Read(&message)) {
  }
  const grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ended.error_message();
  // A reload period and a watch slice (50 ms), with room for a slow machine.
  EXPECT_LT(absl::Now() - revoked, absl::Seconds(10));
}

// A viewer of blog and shop pages through a list whose hidden bank rollout
// sorts between theirs: no page names it, in its rollouts or in its page
// token, and no page comes back short while visible rollouts remain.
TEST(ListPagingTest, PagesHoldOnlyVisibleRolloutsAndTokensNameNoHiddenOne) {
  testing::TokenFileForTest tokens("tok-two,tess,8,\"kanarya:viewer:blog,kanarya:viewer:shop\"\n");
  testing::FakeRolloutController controller;
  std::vector<std::string> created;
  for (const char* namespace_name : {"blog", "bank", "shop"}) {
    v1::CreateRolloutRequest request;
    request.mutable_spec()->mutable_target()->set_namespace_(namespace_name);
    request.mutable_spec()->mutable_target()->set_virtual_service("web");
    request.mutable_spec()->set_revision("v2");
    absl::StatusOr<v1::CreateRolloutResponse> response =
        controller.Create(request, engine::Caller());
    ASSERT_TRUE(response.ok()) << response.status();
    created.push_back(response->rollout().name());
  }
  const std::string& hidden = created[1];
  ASSERT_LT(created[0], hidden);
  ASSERT_LT(hidden, created[2]);
  testing::ApiTestServer server(controller, tokens.authorizer());

  std::vector<std::string> listed;
  v1::ListRolloutsRequest request;
  request.set_page_size(1);
  for (int page = 0; page < 5; ++page) {  // two pages expected; bounded anyway
    v1::ListRolloutsResponse response;
    const grpc::Status status =
        server.rollouts().ListRollouts(ContextWithToken("tok-two").get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_NE(response.next_page_token(), hidden);
    EXPECT_EQ(response.rollouts_size(), 1) << "page " << page;
    for (const v1::Rollout& rollout : response.rollouts()) listed.push_back(rollout.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(listed, ElementsAre(created[0], created[2]));
}

}  // namespace
}  // namespace kanarya::api
