#include "daemon/engine/rollout_names.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace kanarya::engine {
namespace {

bool IsDnsLabel(const std::string& name) {
  static const std::regex kLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return name.size() <= 63 && std::regex_match(name, kLabel);
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
