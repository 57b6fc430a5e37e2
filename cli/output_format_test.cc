#include "cli/output_format.h"

#include <yaml-cpp/yaml.h>

#include <sstream>

#include "gtest/gtest.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::cli {
namespace {

TEST(OutputFormatTest, YamlCarriesTheSameDocumentAsJson) {
  v1::Rollout rollout;
  rollout.set_name("rollout-1");
  rollout.mutable_spec()->set_revision("true");  // a string that looks like a boolean
  rollout.mutable_status()->set_phase(v1::PHASE_PAUSED);
  rollout.mutable_status()->set_canary_weight(20);
  std::ostringstream out;
  ASSERT_TRUE(PrintDocument(rollout, OutputFormat::kYaml, out));
  const YAML::Node node = YAML::Load(out.str());
  EXPECT_EQ(node["name"].as<std::string>(), "rollout-1");
  EXPECT_EQ(node["status"]["phase"].as<std::string>(), "PHASE_PAUSED");
  EXPECT_EQ(node["status"]["canary_weight"].IsDefined() ? node["status"]["canary_weight"].as<int>()
                                                        : node["status"]["canaryWeight"].as<int>(),
            20);
  EXPECT_EQ(node["spec"]["revision"].Tag(), "!");  // quoted, stays a string
}

TEST(OutputFormatTest, TableIsNotADocument) {
  std::ostringstream out;
  EXPECT_FALSE(PrintDocument(v1::Rollout(), OutputFormat::kTable, out));
  EXPECT_EQ(out.str(), "");
}

TEST(OutputFormatTest, TableAlignsColumns) {
  Table table({"NAME", "PHASE"});
  table.AddRow({"rollout-10", "PAUSED"});
  table.AddRow({"r", "SUCCEEDED"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "NAME        PHASE\n"
            "rollout-10  PAUSED\n"
            "r           SUCCEEDED\n");
}

}  // namespace
}  // namespace kanarya::cli
