// The lab's services file and the routes it reads from Istio objects.
#include "tests/lab/lab_services.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/lab/mesh_routes.h"

namespace kanarya::lab {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(LabServicesTest, ReadsTheShippedFile) {
  absl::StatusOr<std::vector<LabService>> services = LoadLabServices(KANARYA_LAB_SERVICES);
  ASSERT_TRUE(services.ok()) << services.status();
  ASSERT_EQ(services->size(), 2u);
  const LabService& gateway = (*services)[0];
  EXPECT_EQ(gateway.name, "api-gateway");
  EXPECT_EQ(gateway.host(), "api-gateway.api-gateway.svc.cluster.local");
  EXPECT_EQ(gateway.workload("v2"), "api-gateway-v2");
  EXPECT_EQ(gateway.stable_version, "v1");
  EXPECT_EQ(gateway.canary_version, "v2");
  EXPECT_EQ(gateway.requests_per_second, 400);
  ASSERT_NE(gateway.Find("v2"), nullptr);
  EXPECT_EQ(gateway.Find("v2")->error_rate, 0.02);
  EXPECT_EQ((*services)[1].source_workload, "api-gateway-v1");
}

TEST(LabServicesTest, NamesEveryBadField) {
  const absl::StatusOr<std::vector<LabService>> services = ParseLabServices(R"(
services:
  - name: shop
    requests_per_second: -3
    subsets: {stable: v1, canary: v9}
    versions:
      - {version: v1, error_rate: 1.5, latency_median_ms: 10}
      - {version: v1, latency_median_ms: 10, colour: red}
  - name: Shop_2
    subsets: {stable: v1, canary: v1}
    versions: []
)");
  ASSERT_FALSE(services.ok());
  EXPECT_EQ(services.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(services.status().message());
  for (const char* problem :
       {"services[0].requests_per_second: must be a number from 0 to 100000, got \"-3\"",
        "services[0].versions[0].error_rate: must be a number from 0 to 1, got \"1.5\"",
        "services[0].versions[1].colour: unknown field",
        "services[0].versions[1].version: \"v1\" is listed twice",
        "services[0].subsets.canary: \"v9\" is not one of the versions",
        "services[1].name: must be lowercase letters, digits and '-'",
        "services[1].requests_per_second: required",
        "services[1].versions: must be a non-empty list"}) {
    EXPECT_THAT(message, HasSubstr(problem));
  }
}

TEST(LabServicesTest, MalformedYamlIsAnErrorNotAnException) {
  EXPECT_THAT(std::string(ParseLabServices("services: [ {name: a").status().message()),
              HasSubstr("line "));
  EXPECT_FALSE(ParseLabServices("").ok());
  EXPECT_FALSE(ParseLabServices("services: 3").ok());
  EXPECT_THAT(std::string(LoadLabServices("/nonexistent/services.yaml").status().message()),
              HasSubstr("/nonexistent/services.yaml: cannot be read"));
}

class MeshRoutesTest : public ::testing::Test {
 protected:
  MeshRoutesTest() {
    service_.name = "shop";
    service_.namespace_name = "shop";
    service_.stable_version = "v1";
    service_.canary_version = "v2";
    service_.versions = {{.version = "v1"}, {.version = "v2"}, {.version = "v3"}};
    vs_ = VirtualServiceObject(service_);
    dr_ = DestinationRuleObject(service_);
  }

  // version -> share, or the error's message.
  std::map<std::string, double> Shares() {
    absl::StatusOr<std::vector<VersionShare>> shares = ResolveRoutes(service_, vs_, dr_);
    EXPECT_TRUE(shares.ok()) << shares.status();
    std::map<std::string, double> result;
    for (const VersionShare& s : shares.ok() ? *shares : std::vector<VersionShare>{}) {
      result[s.version] = s.share;
    }
    return result;
  }

  LabService service_;
  json vs_;
  json dr_;
};

TEST_F(MeshRoutesTest, WeightsSelectSubsetsAndSubsetsSelectVersions) {
  EXPECT_EQ(Shares(), (std::map<std::string, double>{{"v1", 1.0}, {"v2", 0.0}}));
  vs_["spec"]["http"][0]["route"][0]["weight"] = 75;
  vs_["spec"]["http"][0]["route"][1]["weight"] = 25;
  EXPECT_EQ(Shares(), (std::map<std::string, double>{{"v1", 0.75}, {"v2", 0.25}}));
  // A promotion's swap: the stable subset takes the canary's labels.
  dr_["spec"]["subsets"][0]["labels"]["version"] = "v2";
  EXPECT_EQ(Shares(), (std::map<std::string, double>{{"v2", 1.0}}));
  // A subset selecting every version splits its share evenly.
  dr_["spec"]["subsets"][0]["labels"] = {{"app", "shop"}};
  EXPECT_EQ(Shares(),
            (std::map<std::string, double>{{"v1", 0.25}, {"v2", 0.25 + 0.75 / 3}, {"v3", 0.25}}));
}

TEST_F(MeshRoutesTest, ThePrimaryRouteIsUsedAndALoneDestinationTakesEverything) {
  vs_["spec"]["http"] =
      json::array({{{"name", "mirror"}, {"route", {{{"destination", {{"subset", "canary"}}}}}}},
                   {{"name", "primary"}, {"route", {{{"destination", {{"subset", "canary"}}}}}}}});
  EXPECT_EQ(Shares(), (std::map<std::string, double>{{"v2", 1.0}}));
}

TEST_F(MeshRoutesTest, ASubsetMatchingNothingLeavesItsShareUnrouted) {
  vs_["spec"]["http"][0]["route"][0]["weight"] = 50;
  vs_["spec"]["http"][0]["route"][1]["weight"] = 50;
  dr_["spec"]["subsets"][1]["labels"]["version"] = "v7";
  EXPECT_EQ(Shares(), (std::map<std::string, double>{{"v1", 0.5}}));
  dr_["spec"]["subsets"].erase(1);
  EXPECT_EQ(Shares(), (std::map<std::string, double>{{"v1", 0.5}}));
}

TEST_F(MeshRoutesTest, MissingOrMalformedObjectsAreErrors) {
  EXPECT_EQ(ResolveRoutes(service_, json(), dr_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ResolveRoutes(service_, vs_, json()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  vs_["spec"]["http"][0]["route"][0]["weight"] = 0;
  EXPECT_THAT(std::string(ResolveRoutes(service_, vs_, dr_).status().message()),
              HasSubstr("weights sum to 0"));
  vs_["spec"]["http"][0]["route"][0]["weight"] = "heavy";
  EXPECT_EQ(ResolveRoutes(service_, vs_, dr_).status().code(), absl::StatusCode::kInvalidArgument);
  vs_["spec"]["http"][0]["route"][0]["weight"] = -5;
  EXPECT_THAT(std::string(ResolveRoutes(service_, vs_, dr_).status().message()),
              HasSubstr("negative weight -5"));
  vs_["spec"] = "none";
  EXPECT_EQ(ResolveRoutes(service_, vs_, dr_).status().code(), absl::StatusCode::kInvalidArgument);
  vs_ = VirtualServiceObject(service_);
  dr_["spec"]["subsets"] = 3;
  EXPECT_EQ(ResolveRoutes(service_, vs_, dr_).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kanarya::lab
