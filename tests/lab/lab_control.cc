#include "tests/lab/lab_control.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"

namespace kanarya::lab {
namespace {

using nlohmann::json;

void SendJson(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(1) + "\n", "application/json");
}

}  // namespace

absl::StatusOr<FaultChange> ParseFaultChange(const std::string& body) {
  const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InvalidArgumentError("body: must be a JSON object");
  }
  FaultChange change;
  for (const auto& [key, value] : document.items()) {
    if (key == "service" || key == "version") {
      if (!value.is_string()) return absl::InvalidArgumentError(key + ": must be a string");
      (key == "service" ? change.service : change.version) = value.get<std::string>();
    } else if (key == "error_rate" || key == "latency_factor") {
      if (!value.is_number()) return absl::InvalidArgumentError(key + ": must be a number");
      (key == "error_rate" ? change.error_rate : change.latency_factor) = value.get<double>();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": unknown field (service, version, error_rate, latency_factor)"));
    }
  }
  if (change.service.empty()) return absl::InvalidArgumentError("service: required");
  if (change.version.empty()) return absl::InvalidArgumentError("version: required");
  return change;
}

json FaultsDocument(const MeshSimulation& simulation) {
  json faults = json::array();
  for (const VersionState& v : simulation.Versions()) {
    faults.push_back({{"service", v.service},
                      {"namespace", v.namespace_name},
                      {"version", v.version},
                      {"workload", v.workload},
                      {"error_rate", v.error_rate},
                      {"latency_factor", v.latency_factor}});
  }
  return {{"faults", std::move(faults)}};
}

json TrafficDocument(const MeshSimulation& simulation) {
  json traffic = json::array();
  for (const VersionState& v : simulation.Versions()) {
    traffic.push_back({{"service", v.service},
                       {"namespace", v.namespace_name},
                       {"version", v.version},
                       {"workload", v.workload},
                       {"requests", v.requests},
                       {"errors", v.errors}});
  }
  json unrouted = json::array();
  for (const UnroutedState& u : simulation.Unrouted()) {
    unrouted.push_back({{"service", u.service},
                        {"namespace", u.namespace_name},
                        {"requests", u.requests},
                        {"route_error", u.route_error}});
  }
  return {{"traffic", std::move(traffic)}, {"unrouted", std::move(unrouted)}};
}

absl::Status ApplyLokiChange(const std::string& body, LokiEmulator& loki) {
  const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InvalidArgumentError("body: must be a JSON object");
  }
  for (const auto& [key, value] : document.items()) {
    if (key != "serving" && key != "ingesting") {
      return absl::InvalidArgumentError(key + ": unknown field (serving, ingesting)");
    }
    if (!value.is_boolean()) return absl::InvalidArgumentError(key + ": must be true or false");
  }
  if (document.contains("serving")) loki.SetServing(document["serving"].get<bool>());
  if (document.contains("ingesting")) loki.SetIngesting(document["ingesting"].get<bool>());
  return absl::OkStatus();
}

void AddControlRoutes(LoopbackServer& server, MeshSimulation& simulation, LokiEmulator& loki) {
  const auto loki_state = [&loki] {
    return json{{"serving", loki.serving()}, {"ingesting", loki.ingesting()}};
  };
  server.http().Get("/loki", [loki_state](const httplib::Request&, httplib::Response& rs) {
    SendJson(rs, 200, loki_state());
  });
  server.http().Post("/loki",
                     [&loki, loki_state](const httplib::Request& rq, httplib::Response& rs) {
                       if (absl::Status status = ApplyLokiChange(rq.body, loki); !status.ok()) {
                         return SendJson(rs, 400, {{"error", std::string(status.message())}});
                       }
                       SendJson(rs, 200, loki_state());
                     });
  server.http().Get("/faults", [&simulation](const httplib::Request&, httplib::Response& rs) {
    SendJson(rs, 200, FaultsDocument(simulation));
  });
  server.http().Post("/faults", [&simulation](const httplib::Request& rq, httplib::Response& rs) {
    absl::StatusOr<FaultChange> change = ParseFaultChange(rq.body);
    absl::Status status = change.ok() ? simulation.SetFault(*change) : change.status();
    if (!status.ok()) return SendJson(rs, 400, {{"error", std::string(status.message())}});
    SendJson(rs, 200, FaultsDocument(simulation));
  });
  server.http().Get("/traffic", [&simulation](const httplib::Request&, httplib::Response& rs) {
    SendJson(rs, 200, TrafficDocument(simulation));
  });
}

}  // namespace kanarya::lab
