#include "daemon/mesh/recording_router.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::mesh {
namespace {

using nlohmann::json;

// A router whose every call fails with `status`.
class FailingRouter final : public TrafficRouter {
 public:
  explicit FailingRouter(absl::Status status) : status_(std::move(status)) {}
  absl::Status Verify() override { return status_; }
  absl::StatusOr<TrafficSplit> Read() override { return status_; }
  absl::StatusOr<TrafficSplit> SetCanaryWeight(int) override { return status_; }
  absl::StatusOr<TrafficSplit> Rollback() override { return status_; }
  absl::StatusOr<TrafficSplit> PromoteCanary() override { return status_; }

 private:
  const absl::Status status_;
};

TEST(RecordingRouter, AFailedRollbackWithAnyMessageIsRecordedAndReturned) {
  lab::KubeApiEmulator api;
  api.AddToken("kanarya", true);
  kube::KubeClient client(lab::KubeTokenConfig(api.url(), "kanarya"));
  kube::EventRecorder events(client, "kanaryad", "test");
  // A proxy's Latin-1 error page, long enough to be cut inside a character:
  // 43 bytes once the \xFC is replaced, 980 dashes, then an ä at byte 1023.
  const std::string page =
      "HTTP 502: <h1>Dienst nicht verf\xFCgbar</h1>" + std::string(980, '-') + "\xC3\xA4\xC3\xA4";
  RecordingRouter router(std::make_unique<FailingRouter>(absl::UnavailableError(page)), events,
                         {"kanarya.dev/v1alpha1", "Rollout", "shop", "reviews", ""});
  const auto rolled_back = router.Rollback();
  EXPECT_EQ(rolled_back.status().code(), absl::StatusCode::kUnavailable);
  const std::vector<json> recorded = api.List("", "events", "shop");
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0]["reason"], "RollbackFailed");
  const std::string message = recorded[0]["message"];
  EXPECT_EQ(message.substr(0, 43), "HTTP 502: <h1>Dienst nicht verf\xEF\xBF\xBDgbar</h1>");
  EXPECT_EQ(message.size(), 1023u);  // the last whole character before 1024 bytes
  EXPECT_EQ(events.failures(), 0);
}

}  // namespace
}  // namespace kanarya::mesh
