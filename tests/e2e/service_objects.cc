#include "tests/e2e/service_objects.h"

#include <google/protobuf/text_format.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace kanarya::e2e {

using nlohmann::json;

std::string ServiceHost(const std::string& namespace_name, const std::string& name) {
  return absl::StrCat(name, ".", namespace_name, ".svc.cluster.local");
}

json ServiceVirtualService(const std::string& namespace_name, const std::string& name) {
  const std::string host = ServiceHost(namespace_name, name);
  return {{"apiVersion", "networking.istio.io/v1"},
          {"kind", "VirtualService"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"hosts", {host}},
            {"http",
             {{{"name", "primary"},
               {"route",
                {{{"destination", {{"host", host}, {"subset", "stable"}}}, {"weight", 100}},
                 {{"destination", {{"host", host}, {"subset", "canary"}}}, {"weight", 0}}}}}}}}}};
}

json ServiceDestinationRule(const std::string& namespace_name, const std::string& name) {
  return {{"apiVersion", "networking.istio.io/v1"},
          {"kind", "DestinationRule"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"host", ServiceHost(namespace_name, name)},
            {"subsets",
             {{{"name", "stable"}, {"labels", {{"version", "stable"}}}},
              {{"name", "canary"}, {"labels", {{"version", "canary"}}}}}}}}};
}

std::string TokenKubeconfig(const std::string& server_url, const std::string& token) {
  return absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: lab
contexts:
- name: lab
  context: {cluster: lab, user: kanaryad}
clusters:
- name: lab
  cluster: {server: ")",
                      server_url, R"("}
users:
- name: kanaryad
  user: {token: )",
                      token, "}\n");
}

int LiveCanaryWeight(lab::KubeApiEmulator& api, const std::string& namespace_name,
                     const std::string& name) {
  const json vs = api.Get("networking.istio.io", "virtualservices", namespace_name, name);
  if (vs.is_null()) return -1;
  for (const json& route : vs["spec"]["http"][0]["route"]) {
    if (route["destination"]["subset"] == "canary") return route.value("weight", 0);
  }
  return -1;
}

v1::RolloutSpec ServiceRolloutSpec(const std::string& name, const std::string& revision,
                                   const std::vector<int>& weights, absl::Duration min_step) {
  std::string steps;
  for (int weight : weights) absl::StrAppend(&steps, "steps { weight: ", weight, " } ");
  const std::string text = absl::StrReplaceAll(
      R"pb(
        target {
          namespace: "shop"
          virtual_service: "$NAME"
          route: "primary"
          destination_rule: "$NAME"
          stable { host: "$NAME.shop.svc.cluster.local" subset: "stable" }
          canary { host: "$NAME.shop.svc.cluster.local" subset: "canary" }
        }
        revision: "$REVISION"
        scopes {
          baseline { workload: "$NAME-stable" version: "stable" }
          canary { workload: "$NAME-canary" version: "canary" }
        }
        steps {
          $STEPS
          tick_interval { seconds: 1 }
          min_step_duration { seconds: $MIN_STEP }
          max_step_duration { seconds: 60 }
          on_inconclusive: INCONCLUSIVE_ACTION_ADVANCE
        }
        analysis {
          alpha: 0.05
          min_ticks: 3
          metrics {
            name: "errors"
            kind: METRIC_KIND_COUNT
            direction: DIRECTION_INCREASE
            tolerance: 0.5
            source {
              provider: "prometheus"
              events_query: "sum(increase(istio_requests_total{destination_workload_namespace=\"{{namespace}}\",destination_workload=\"{{workload}}\",response_code=~\"5..\"}[10s]))"
              total_query: "sum(increase(istio_requests_total{destination_workload_namespace=\"{{namespace}}\",destination_workload=\"{{workload}}\"}[10s]))"
            }
          }
        }
        policy { no_data_limit: 30 query_error_limit: 30 }
        on_failure: FAILURE_ACTION_ROLLBACK
        promotion: PROMOTION_STRATEGY_SWAP_SUBSETS
        progress_deadline { seconds: 600 }
      )pb",
      {{"$NAME", name},
       {"$REVISION", revision},
       {"$STEPS", steps},
       {"$MIN_STEP", absl::StrCat(absl::ToInt64Seconds(min_step))}});
  v1::RolloutSpec spec;
  if (!google::protobuf::TextFormat::ParseFromString(text, &spec)) {
    std::fprintf(stderr, "ServiceRolloutSpec: not a RolloutSpec:\n%s\n", text.c_str());
    std::abort();
  }
  return spec;
}

}  // namespace kanarya::e2e
