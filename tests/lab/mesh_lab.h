// Test equipment: the whole cluster around kanaryad on one machine, as
// kanarya-lab runs it and tests start it: the Kubernetes API emulator serving
// each service's VirtualService and DestinationRule, the mesh simulation
// routing by their current contents, Istio's telemetry on /metrics for a
// real Prometheus to scrape, the Loki emulator holding the workloads' log
// lines, and the control endpoint (lab_control.h). Every listener is on
// 127.0.0.1; the Kubernetes API serves HTTPS when asked (kubectl sends bearer
// tokens over HTTPS only) with a throwaway certificate, which Kubeconfig()
// carries. Thread-safe; never product code.
#ifndef KANARYA_TESTS_LAB_MESH_LAB_H_
#define KANARYA_TESTS_LAB_MESH_LAB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "tests/lab/istio_telemetry.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/lab_services.h"
#include "tests/lab/loki_emulator.h"
#include "tests/lab/loopback_server.h"
#include "tests/lab/mesh_simulation.h"
#include "tests/lab/test_certificate.h"

namespace kanarya::lab {

struct MeshLabOptions {
  std::vector<LabService> services;
  uint64_t seed = 1;
  // 0: any free port.
  int kube_port = 0;
  int metrics_port = 0;
  int loki_port = 0;
  int control_port = 0;
  // The bearer token that may read and write through the Kubernetes API.
  std::string kube_token = "kanarya-lab";
  // HTTPS with a self-signed certificate for 127.0.0.1 (made with openssl).
  bool kube_tls = false;
  // How long the Loki emulator keeps log lines: about 140 bytes each, one
  // per request (600 requests/s for 10 minutes: 50 MB).
  absl::Duration log_retention = absl::Minutes(10);
};

class MeshLab {
 public:
  // Starts every listener and creates the services' objects; the simulation's
  // first tick starts at `start`. Unavailable naming the listener ("kube",
  // "metrics", "loki", "control") when its port cannot be bound.
  static absl::StatusOr<std::unique_ptr<MeshLab>> Start(const MeshLabOptions& options,
                                                        absl::Time start);
  ~MeshLab();  // stops the clock's thread, then every listener

  // From now until destruction, a thread advances the simulation to the wall
  // clock every tick.
  void RunOnWallClock();

  MeshSimulation& simulation() { return simulation_; }
  KubeApiEmulator& kube() { return *kube_; }
  LokiEmulator& loki() { return loki_; }
  std::string kube_url() const { return kube_->url(); }
  // A kubeconfig (YAML) for kanaryad and kubectl: the server, its
  // certificate authority when on HTTPS, and the token.
  std::string Kubeconfig() const;
  std::string metrics_url() const { return metrics_.url() + "/metrics"; }
  std::string loki_url() const { return loki_.url(); }
  std::string control_url() const { return control_.url(); }

 private:
  MeshLab(const MeshLabOptions& options, absl::Time start);
  absl::Status CreateObjects(const MeshLabOptions& options);

  const std::string kube_token_;
  const std::unique_ptr<TestCertificate> certificate_;  // null on plain HTTP
  IstioTelemetry telemetry_;
  const std::unique_ptr<KubeApiEmulator> kube_;
  LokiEmulator loki_;
  MeshSimulation simulation_;
  LoopbackServer metrics_;  // after what their handlers use
  LoopbackServer control_;
  absl::Notification stopping_;
  std::thread clock_;
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_MESH_LAB_H_
