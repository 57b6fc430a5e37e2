#include "daemon/engine/rollout_names.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/ascii.h"

namespace kanarya::engine {
namespace {

bool IsDnsLabel(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (const char c : name) {
    if (!absl::ascii_isdigit(c) && !absl::ascii_islower(c) && c != '-') return false;
  }
  return true;
}

TEST(RolloutNamesTest, ReadableAndValidAsDnsLabels) {
  EXPECT_EQ(MakeRolloutName("reviews", "v2", 0xabc123), "reviews-v2-abc123");
  EXPECT_EQ(MakeRolloutName("reviews.shop", "Release/2024.11_RC-1", 0x1),
            "reviews-shop-release-2024-11-rc-1-000001");
  EXPECT_EQ(MakeRolloutName("", "", 0xffffffff), "rollout-ffffff");
  for (const std::string& revision :
       {std::string(200, 'a'), std::string("sha256:") + std::string(64, 'f'), std::string("---"),
        std::string("ÄÖÜ-ß")}) {
    const std::string name = MakeRolloutName(std::string(100, 'x') + ".svc", revision, 7);
    EXPECT_TRUE(IsDnsLabel(name)) << name;
  }
}

}  // namespace
}  // namespace kanarya::engine
