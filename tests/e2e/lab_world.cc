#include "tests/e2e/lab_world.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kanarya::e2e {

using nlohmann::json;

absl::StatusOr<std::unique_ptr<LabWorld>> LabWorld::Start(const std::string& kanaryad_binary,
                                                          const std::string& services_file,
                                                          uint64_t seed) {
  std::unique_ptr<LabWorld> world(new LabWorld());
  absl::StatusOr<std::vector<lab::LabService>> services = lab::LoadLabServices(services_file);
  if (!services.ok()) return services.status();
  world->services_ = *services;
  lab::MeshLabOptions options;
  options.services = *services;
  options.seed = seed;
  options.kube_tls = true;  // kubectl sends its bearer token over HTTPS only
  options.log_retention = absl::Minutes(2);
  absl::StatusOr<std::unique_ptr<lab::MeshLab>> lab = lab::MeshLab::Start(options, absl::Now());
  if (!lab.ok()) return lab.status();
  world->lab_ = *std::move(lab);
  world->lab_->RunOnWallClock();

  const std::string metrics = world->lab_->metrics_url();  // http://127.0.0.1:PORT/metrics
  absl::StatusOr<std::unique_ptr<KanaryadWorld>> kanaryad =
      KanaryadWorld::Start({.kanaryad_binary = kanaryad_binary,
                            .scrape_target = metrics.substr(7, metrics.rfind('/') - 7),
                            .kubeconfig = world->lab_->Kubeconfig(),
                            .loki_url = world->lab_->loki_url()});
  if (!kanaryad.ok()) return kanaryad.status();
  world->world_ = *std::move(kanaryad);
  // Every stable workload's counters held for longer than a tick, so that
  // the preflight's queries, which compare the counters with a tick ago,
  // find the baseline's data.
  if (absl::Status scraped = world->world_->WaitForQueryValue(
          "count(sum by (destination_workload) (istio_requests_total offset 4s))",
          absl::StrCat(world->services_.size()), absl::Seconds(30));
      !scraped.ok()) {
    world->world_->Keep();
    return scraped;
  }
  return world;
}

Routes LabWorld::LiveRoutes(const std::string& service) {
  Routes routes;
  std::string namespace_name = service;
  for (const lab::LabService& s : services_) {
    if (s.name == service) namespace_name = s.namespace_name;
  }
  const json vs =
      lab_->kube().Get("networking.istio.io", "virtualservices", namespace_name, service);
  const json dr =
      lab_->kube().Get("networking.istio.io", "destinationrules", namespace_name, service);
  // Whatever a person's edit left, read without throwing.
  const json::json_pointer route_list("/spec/http/0/route"), subsets("/spec/subsets"),
      subset("/destination/subset"), weight("/weight"), name("/name"), version("/labels/version");
  if (!vs.is_object() || !dr.is_object() || !vs.contains(route_list) || !dr.contains(subsets)) {
    return routes;
  }
  for (const json& route : vs.at(route_list)) {
    if (!route.is_object() || !route.contains(subset)) continue;
    const int w = route.contains(weight) && route.at(weight).is_number_integer()
                      ? route.at(weight).get<int>()
                      : 0;
    (route.at(subset) == "stable" ? routes.stable_weight : routes.canary_weight) = w;
  }
  for (const json& s : dr.at(subsets)) {
    if (s.is_object() && s.contains(name) && s.at(name) == "stable" && s.contains(version) &&
        s.at(version).is_string()) {
      routes.stable_version = s.at(version).get<std::string>();
    }
  }
  return routes;
}

int64_t LabWorld::Served(const std::string& service, const std::string& version) {
  for (const lab::VersionState& v : lab_->simulation().Versions()) {
    if (v.service == service && v.version == version) return v.requests;
  }
  return -1;
}

}  // namespace kanarya::e2e
