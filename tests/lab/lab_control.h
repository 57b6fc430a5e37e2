// Test equipment: the lab's control endpoint, JSON over HTTP.
//   POST /faults   {"service": "runner-service", "version": "v2",
//                   "error_rate": 0.2, "latency_factor": 1.3}  (either value may be left out)
//                  200 with every version's current faults, or 400
//                  {"error": "error_rate: must be from 0 to 1, got 1.5"} naming the field
//   GET  /faults   {"faults": [{service, namespace, version, workload, error_rate,
//   latency_factor}]} GET  /traffic  {"traffic": [{service, namespace, version, workload, requests,
//   errors}],
//                   "unrouted": [{service, namespace, requests, route_error}]}
//   POST /loki     {"serving": false, "ingesting": true}  (either may be left out): take
//                  the Loki emulator down (queries answered 503) or stop its ingestion
//                  (log lines lost); 200 with {"serving", "ingesting"}, 400 naming the field
//   GET  /loki     {"serving": true, "ingesting": true}
// Counts are since the lab started. Thread-safe; never product code.
#ifndef KANARYA_TESTS_LAB_LAB_CONTROL_H_
#define KANARYA_TESTS_LAB_LAB_CONTROL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "tests/lab/loki_emulator.h"
#include "tests/lab/loopback_server.h"
#include "tests/lab/mesh_simulation.h"

namespace kanarya::lab {

// A POST /faults body; InvalidArgument naming the field ("error_rate: must be
// a number") when it is not a JSON object of the documented fields.
absl::StatusOr<FaultChange> ParseFaultChange(const std::string& body);

nlohmann::json FaultsDocument(const MeshSimulation& simulation);
nlohmann::json TrafficDocument(const MeshSimulation& simulation);

// A POST /loki body applied to `loki`; InvalidArgument naming the field
// ("serving: must be true or false") and nothing changed when it is not a
// JSON object of the documented fields.
absl::Status ApplyLokiChange(const std::string& body, LokiEmulator& loki);

// Registers the endpoint's routes on `server` (before its Start());
// `simulation` and `loki` must outlive the server.
void AddControlRoutes(LoopbackServer& server, MeshSimulation& simulation, LokiEmulator& loki);

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_LAB_CONTROL_H_
