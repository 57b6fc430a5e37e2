// The verbs that talk to the daemon, run against RolloutService on loopback
// over the in-memory controller: output, and every exit code.
#include <sstream>
#include <string>
#include <thread>

#include "cli/action_commands.h"
#include "cli/exit_codes.h"
#include "cli/rollout_commands.h"
#include "cli/watch_commands.h"
#include "daemon/api/api_test_server.h"
#include "daemon/api/testing/fake_rollout_controller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSpec[] = R"(
# A spec as a pipeline writes it.
target:
  namespace: shop
  virtual_service: web
  stable: {host: web, subset: stable}
  canary: {host: web, subset: canary}
revision: v2
)";

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

class ClientCommandsTest : public ::testing::Test {
 protected:
  ClientOptions Options() const {
    ClientOptions options;
    options.server = server_.address();
    options.request_timeout = absl::Seconds(5);
    return options;
  }

  template <typename Verb>
  Outcome Run(Verb verb) {
    std::ostringstream out, err;
    const int code = verb(out, err);
    return {code, out.str(), err.str()};
  }

  Outcome Apply(const std::string& document, ClientOptions options) {
    return Run([&](std::ostream& out, std::ostream& err) {
      return RunApply(options, document, ApplyFlags{.reason = "release 7"}, out, err);
    });
  }

  api::testing::FakeRolloutController controller_;
  api::testing::ApiTestServer server_{controller_};
};

TEST_F(ClientCommandsTest, ApplyPrintsTheRolloutAndIsIdempotent) {
  const Outcome first = Apply(kSpec, Options());
  ASSERT_EQ(first.code, kExitOk) << first.err;
  EXPECT_THAT(first.out, StartsWith("NAME"));
  EXPECT_THAT(first.out, HasSubstr("rollout-1  shop"));
  EXPECT_THAT(first.out, HasSubstr("PROGRESSING"));

  const Outcome again = Apply(kSpec, Options());
  EXPECT_EQ(again.code, kExitOk);
  EXPECT_THAT(again.err, HasSubstr("revision v2 is already rolling out as rollout-1; unchanged"));
}

TEST_F(ClientCommandsTest, ApplyOfABadDocumentIsUsageNamingTheField) {
  const Outcome bad = Apply("target: {namespace: shop, colour: blue}", Options());
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_THAT(bad.err, HasSubstr("colour"));
  const Outcome refused = Apply("target: {namespace: shop}", Options());  // no revision
  EXPECT_EQ(refused.code, kExitUsage);
  EXPECT_THAT(refused.err, HasSubstr("spec.revision: required"));
}

TEST_F(ClientCommandsTest, UnreachableDaemonIsExitFour) {
  ClientOptions options = Options();
  options.server = "127.0.0.1:1";
  const Outcome outcome = Apply(kSpec, options);
  EXPECT_EQ(outcome.code, kExitUnreachable);
  EXPECT_THAT(outcome.err, HasSubstr("the daemon at 127.0.0.1:1 did not answer"));
  const Outcome waited = Run([&](std::ostream& out, std::ostream& err) {
    return RunWait(options, "rollout-1", absl::Seconds(5), out, err);
  });
  EXPECT_EQ(waited.code, kExitUnreachable);
}

TEST_F(ClientCommandsTest, GetListAndDescribe) {
  ASSERT_EQ(Apply(kSpec, Options()).code, kExitOk);
  ClientOptions json = Options();
  json.output = OutputFormat::kJson;
  const Outcome got = Run(
      [&](std::ostream& out, std::ostream& err) { return RunGet(json, "rollout-1", out, err); });
  ASSERT_EQ(got.code, kExitOk) << got.err;
  EXPECT_THAT(got.out, HasSubstr("\"PHASE_PROGRESSING\""));

  const Outcome missing = Run([&](std::ostream& out, std::ostream& err) {
    return RunGet(Options(), "rollout-9", out, err);
  });
  EXPECT_EQ(missing.code, kExitFailure);

  const Outcome listed = Run([&](std::ostream& out, std::ostream& err) {
    return RunList(Options(), ListFlags{.phases = {"progressing"}}, out, err);
  });
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("rollout-1"));
  const Outcome bad_phase = Run([&](std::ostream& out, std::ostream& err) {
    return RunList(Options(), ListFlags{.phases = {"sleeping"}}, out, err);
  });
  EXPECT_EQ(bad_phase.code, kExitUsage);
  EXPECT_THAT(bad_phase.err, HasSubstr("--phase: unknown phase \"sleeping\""));

  const Outcome described = Run([&](std::ostream& out, std::ostream& err) {
    return RunDescribe(Options(), "rollout-1", 100, out, err);
  });
  ASSERT_EQ(described.code, kExitOk) << described.err;
  EXPECT_THAT(described.out, HasSubstr("Revision:"));
  EXPECT_THAT(described.out, HasSubstr("Analysis per tick:"));
  EXPECT_THAT(described.out, HasSubstr("#1 CREATED"));
}

TEST_F(ClientCommandsTest, ActionsPrintTheRolloutOrRefuseWithExitOne) {
  ASSERT_EQ(Apply(kSpec, Options()).code, kExitOk);
  const Outcome paused = Run([&](std::ostream& out, std::ostream& err) {
    return RunAction(Options(), Action::kPause, "rollout-1", {.reason = "dashboards"}, out, err);
  });
  ASSERT_EQ(paused.code, kExitOk) << paused.err;
  EXPECT_THAT(paused.out, HasSubstr("PAUSED"));

  const Outcome approve = Run([&](std::ostream& out, std::ostream& err) {
    return RunAction(Options(), Action::kApprove, "rollout-1", {}, out, err);
  });
  EXPECT_EQ(approve.code, kExitFailure);
  EXPECT_THAT(
      approve.err,
      HasSubstr("kanaryactl approve: FAILED_PRECONDITION: ApproveRollout is not allowed in phase "
                "PHASE_PAUSED"));

  const Outcome promoted = Run([&](std::ostream& out, std::ostream& err) {
    return RunAction(Options(), Action::kPromote, "rollout-1", {.full = true}, out, err);
  });
  ASSERT_EQ(promoted.code, kExitOk) << promoted.err;
  EXPECT_THAT(promoted.out, HasSubstr("SUCCEEDED"));
}

TEST_F(ClientCommandsTest, WaitExitCodeSaysHowTheRolloutEnded) {
  ASSERT_EQ(Apply(kSpec, Options()).code, kExitOk);
  std::thread engine([&] {
    absl::SleepFor(absl::Milliseconds(200));
    ASSERT_TRUE(controller_.Advance("rollout-1", v1::PHASE_ROLLING_BACK, 0).ok());
    ASSERT_TRUE(controller_.Advance("rollout-1", v1::PHASE_ROLLED_BACK, 0).ok());
  });
  const Outcome rolled_back = Run([&](std::ostream& out, std::ostream& err) {
    return RunWait(Options(), "rollout-1", absl::Seconds(10), out, err);
  });
  engine.join();
  EXPECT_EQ(rolled_back.code, kExitFailure) << rolled_back.err;
  EXPECT_EQ(rolled_back.out, "rollout-1 ROLLED_BACK\n");

  ASSERT_TRUE(controller_.Advance("rollout-1", v1::PHASE_SUCCEEDED, 100).ok());
  const Outcome succeeded = Run([&](std::ostream& out, std::ostream& err) {
    return RunWait(Options(), "rollout-1", absl::Seconds(10), out, err);
  });
  EXPECT_EQ(succeeded.code, kExitOk) << succeeded.err;
}

TEST_F(ClientCommandsTest, WaitTimesOutWithExitThree) {
  ASSERT_EQ(Apply(kSpec, Options()).code, kExitOk);
  const Outcome outcome = Run([&](std::ostream& out, std::ostream& err) {
    return RunWait(Options(), "rollout-1", absl::Milliseconds(300), out, err);
  });
  EXPECT_EQ(outcome.code, kExitTimeout);
  EXPECT_THAT(outcome.err, HasSubstr("timed out after 300ms; rollout-1 is PROGRESSING"));
}

TEST_F(ClientCommandsTest, WatchPrintsEachEventUntilTheEnd) {
  ASSERT_EQ(Apply(kSpec, Options()).code, kExitOk);
  ASSERT_TRUE(controller_.Advance("rollout-1", v1::PHASE_PROGRESSING, 10).ok());
  ASSERT_TRUE(controller_.Advance("rollout-1", v1::PHASE_SUCCEEDED, 100).ok());
  const Outcome outcome = Run([&](std::ostream& out, std::ostream& err) {
    return RunWatch(Options(), "rollout-1", 1, false, out, err);
  });
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("state: SUCCEEDED weight 100\n"));
  EXPECT_THAT(outcome.out, HasSubstr("#2 PHASE_CHANGED PROGRESSING weight 10"));
  EXPECT_THAT(outcome.out, HasSubstr("#3 PHASE_CHANGED PROGRESSING -> SUCCEEDED weight 100"));
}

}  // namespace
}  // namespace kanarya::cli
