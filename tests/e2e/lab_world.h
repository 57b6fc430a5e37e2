// Test equipment: the lab's whole world, as scripts/lab_world.sh starts it
// for the demo but in the test's process: kanarya-lab's mesh (the Kubernetes
// API on HTTPS with a kubeconfig kubectl can use, the simulated traffic, its
// Istio telemetry, Loki, the control endpoint), a real Prometheus scraping it
// every second, and the real kanaryad configured for all of them. Start()
// returns once Prometheus holds every service's baseline for longer than a
// tick. Not thread-safe; never product code.
#ifndef KANARYA_TESTS_E2E_LAB_WORLD_H_
#define KANARYA_TESTS_E2E_LAB_WORLD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/e2e/kanaryad_world.h"
#include "tests/lab/mesh_lab.h"

namespace kanarya::e2e {

// A VirtualService's weights and what the DestinationRule's stable subset
// selects, as the Kubernetes API emulator holds them now; -1 and "" when
// unreadable.
struct Routes {
  int stable_weight = -1;
  int canary_weight = -1;
  std::string stable_version;
};

class LabWorld {
 public:
  static absl::StatusOr<std::unique_ptr<LabWorld>> Start(const std::string& kanaryad_binary,
                                                         const std::string& services_file,
                                                         uint64_t seed = 1);

  lab::MeshLab& lab() { return *lab_; }
  KanaryadWorld& world() { return *world_; }
  const std::vector<lab::LabService>& services() const { return services_; }

  Routes LiveRoutes(const std::string& service);
  // Requests the version of the service has served since the lab started; -1
  // when unknown.
  int64_t Served(const std::string& service, const std::string& version);

 private:
  LabWorld() = default;

  std::vector<lab::LabService> services_;
  std::unique_ptr<lab::MeshLab> lab_;
  std::unique_ptr<KanaryadWorld> world_;  // after the lab: stops first
};

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_LAB_WORLD_H_
