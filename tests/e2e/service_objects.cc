#include "tests/e2e/service_objects.h"

#include "absl/strings/str_cat.h"

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

}  // namespace kanarya::e2e
