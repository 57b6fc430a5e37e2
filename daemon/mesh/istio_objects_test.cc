#include "daemon/mesh/istio_objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kanarya::mesh {
namespace {

using nlohmann::json;

IstioRouteConfig Route() {
  return {.namespace_name = "shop",
          .virtual_service = "reviews",
          .route_name = "primary",
          .host = "reviews",
          .stable_subset = "stable",
          .canary_subset = "canary",
          .destination_rule = "reviews",
          .api_version = "v1"};
}

// A VirtualService whose primary route is `route` (JSON text).
json WithRoute(const std::string& route) {
  return json::parse(R"({"spec": {"http": [{"name": "other"}, )" + route + "]}}");
}

TEST(LocateRoute, FindsTheRouteAndItsWeights) {
  const auto location = LocateRoute(WithRoute(R"({"name": "primary", "route": [
        {"destination": {"host": "reviews", "subset": "canary"}, "weight": 30},
        {"destination": {"host": "other", "subset": "stable"}, "weight": 0},
        {"destination": {"host": "reviews", "subset": "stable"}, "weight": 70}]})"),
                                    Route());
  ASSERT_TRUE(location.ok()) << location.status();
  EXPECT_EQ(location->route, 1u);
  EXPECT_EQ(location->stable, 2u);
  EXPECT_EQ(location->canary, 0u);
  EXPECT_EQ(location->split, (TrafficSplit{70, 30}));
  EXPECT_EQ(location->route_value["name"], "primary");
}

TEST(LocateRoute, MalformedVirtualServicesNameTheField) {
  const std::string good_destinations =
      R"([{"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
          {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}])";
  const std::pair<json, std::string> cases[] = {
      {json::array(), "VirtualService reviews: the document: not an object"},
      {json::parse(R"({"metadata": {}})"), "VirtualService reviews has no HTTP route \"primary\""},
      {json::parse(R"({"spec": []})"), "VirtualService reviews: spec: not an object"},
      {json::parse(R"({"spec": {"http": {"name": "primary"}}})"),
       "VirtualService reviews: spec.http: not an array"},
      {json::parse(R"({"spec": {"http": [7]}})"),
       "VirtualService reviews: spec.http[0]: not an object"},
      {json::parse(R"({"spec": {"http": [{"name": 7}]}})"),
       "VirtualService reviews: spec.http[0].name: not a string"},
      {WithRoute(R"({"name": "primary", "route": "everything"})"),
       "VirtualService reviews: spec.http[1].route: not an array"},
      {WithRoute(R"({"name": "primary", "route": [{"destination": "reviews"}]})"),
       "VirtualService reviews: spec.http[1].route[0].destination: not an object"},
      {WithRoute(R"({"name": "primary", "route": [{"destination": {"host": ["reviews"]}}]})"),
       "VirtualService reviews: spec.http[1].route[0].destination.host: not a string"},
      {WithRoute(R"({"name": "primary", "route": [
         {"destination": {"host": "reviews", "subset": "stable"}, "weight": "100"},
         {"destination": {"host": "reviews", "subset": "canary"}}]})"),
       "VirtualService reviews: spec.http[1].route[0].weight: not an integer"},
      {WithRoute(R"({"name": "primary", "route": [
         {"destination": {"host": "reviews", "subset": "stable"}, "weight": 12.5},
         {"destination": {"host": "reviews", "subset": "canary"}}]})"),
       "VirtualService reviews: spec.http[1].route[0].weight: not an integer"},
      {WithRoute(R"({"name": "primary", "route": [
         {"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
         {"destination": {"host": "reviews", "subset": "canary"}, "weight": 4294967396}]})"),
       "VirtualService reviews: spec.http[1].route[1].weight: 4294967396 is not in [0, 100]"},
      {WithRoute(R"({"name": "primary", "route": [
         {"destination": {"host": "reviews", "subset": "stable"}, "weight": 18446744073709551615},
         {"destination": {"host": "reviews", "subset": "canary"}}]})"),
       "VirtualService reviews: spec.http[1].route[0].weight: not an integer in range"},
  };
  for (const auto& [vs, message] : cases) {
    const auto location = LocateRoute(vs, Route());
    EXPECT_EQ(std::string(location.status().message()), message) << vs;
    EXPECT_NE(location.status().code(), absl::StatusCode::kOk) << vs;
  }
  // What is missing (not malformed) is FailedPrecondition.
  EXPECT_EQ(LocateRoute(WithRoute(R"({"name": "primary", "route": [
         {"destination": {"host": "reviews", "subset": "stable"}}]})"),
                        Route())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(
      LocateRoute(WithRoute(R"({"name": "primary", "route": )" + good_destinations + "}"), Route())
          .ok());
}

TEST(LocateSubsets, MalformedDestinationRulesNameTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"("text")", "DestinationRule reviews: the document: not an object"},
      {R"({"spec": 1})", "DestinationRule reviews: spec: not an object"},
      {R"({"spec": {"subsets": {"name": "stable"}}})",
       "DestinationRule reviews: spec.subsets: not an array"},
      {R"({"spec": {"subsets": [{"name": "stable"}, "canary"]}})",
       "DestinationRule reviews: spec.subsets[1]: not an object"},
      {R"({"spec": {"subsets": [{"name": "stable"}, {"name": false}]}})",
       "DestinationRule reviews: spec.subsets[1].name: not a string"},
      {R"({"spec": {"subsets": [{"name": "stable", "labels": []}, {"name": "canary"}]}})",
       "DestinationRule reviews: spec.subsets[0].labels: not an object"},
      {R"({"spec": {"subsets": [{"name": "stable"}]}})",
       "DestinationRule reviews has no subset \"canary\""},
      {R"({})", "DestinationRule reviews has no subset \"stable\""},
  };
  for (const auto& [rule, message] : cases) {
    EXPECT_EQ(std::string(LocateSubsets(json::parse(rule), Route()).status().message()), message)
        << rule;
  }
  const absl::StatusOr<SubsetLocation> found = LocateSubsets(
      json::parse(
          R"({"spec": {"subsets": [{"name": "canary", "labels": {"v": "2"}}, {"name": "stable"}]}})"),
      Route());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->canary, 0u);
  EXPECT_EQ(found->stable, 1u);
  EXPECT_EQ(found->canary_labels, json({{"v", "2"}}));
  EXPECT_EQ(found->stable_labels, json::object());
}

}  // namespace
}  // namespace kanarya::mesh
