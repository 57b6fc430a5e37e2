// Test equipment: the lab's data plane. Every 100 ms of simulated time each
// service receives a Poisson number of requests at its configured rate; each
// goes to the version its current routes give it (read once per tick, so a
// weight change or a DestinationRule's swapped subset takes effect on the next
// tick), fails with that version's error rate (answered 500) and takes a
// log-normal time. Every request is recorded in Istio's telemetry and logged
// (one line, "level=error" when it failed) with the labels {namespace, app
// (the workload), version}. Faults change a version's error rate and scale
// its latency at run time.
//
// Deterministic: the same seed, services, routes and calls give the same
// requests, whatever the wall clock (each service draws from its own
// generator, seeded from the seed and its name). Thread-safe; never product
// code.
#ifndef KANARYA_TESTS_LAB_MESH_SIMULATION_H_
#define KANARYA_TESTS_LAB_MESH_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/lab/istio_telemetry.h"
#include "tests/lab/lab_services.h"
#include "tests/lab/mesh_routes.h"

namespace kanarya::lab {

// What POST /faults asks for; an absent value is left as it is.
struct FaultChange {
  std::string service;
  std::string version;
  std::optional<double> error_rate;      // in [0, 1]
  std::optional<double> latency_factor;  // > 0: 1.3 is 30 % slower
};

// One version of one service: its current behaviour and what it served.
struct VersionState {
  std::string service;
  std::string namespace_name;
  std::string version;
  std::string workload;
  double error_rate = 0;
  double latency_factor = 1;
  int64_t requests = 0;
  int64_t errors = 0;
};

// Requests of a service that reached no version, and why the last one did
// not (empty when the routes resolved).
struct UnroutedState {
  std::string service;
  std::string namespace_name;
  int64_t requests = 0;
  std::string route_error;
};

class MeshSimulation {
 public:
  static constexpr absl::Duration kTick = absl::Milliseconds(100);

  // The service's current routes, e.g. ResolveRoutes over the objects the
  // Kubernetes API emulator holds now.
  using RouteReader =
      std::function<absl::StatusOr<std::vector<VersionShare>>(const LabService& service)>;
  // Where log lines go (the Loki emulator), with their stream's labels.
  using LogSink = std::function<void(const std::map<std::string, std::string>& labels,
                                     absl::Time time, std::string line)>;

  // Ticks start at `start`. `telemetry` must outlive the simulation.
  MeshSimulation(const std::vector<LabService>& services, uint64_t seed, absl::Time start,
                 RouteReader routes, IstioTelemetry& telemetry, LogSink logs);

  // Simulates every tick that ends at or before `now`.
  void AdvanceTo(absl::Time now) ABSL_LOCKS_EXCLUDED(mutex_);

  // InvalidArgument naming the field ("service", "version", "error_rate",
  // "latency_factor") when the change is not possible.
  absl::Status SetFault(const FaultChange& change) ABSL_LOCKS_EXCLUDED(mutex_);

  // Every version of every service, in the configuration's order.
  std::vector<VersionState> Versions() const ABSL_LOCKS_EXCLUDED(mutex_);
  std::vector<UnroutedState> Unrouted() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct VersionRuntime {
    VersionState state;
    double latency_median_ms;
    double latency_sigma;
  };
  struct ServiceRuntime {
    LabService config;
    std::mt19937_64 random;
    std::vector<VersionRuntime> versions;
    UnroutedState unrouted;
  };

  void SimulateTick(ServiceRuntime& service, absl::Time start)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const RouteReader routes_;
  IstioTelemetry& telemetry_;
  const LogSink logs_;

  mutable absl::Mutex mutex_;
  std::vector<ServiceRuntime> services_ ABSL_GUARDED_BY(mutex_);
  absl::Time next_tick_ ABSL_GUARDED_BY(mutex_);  // the start of the next tick to simulate
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_MESH_SIMULATION_H_
