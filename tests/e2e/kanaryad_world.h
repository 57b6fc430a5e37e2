// Test equipment: what every end-to-end test and benchmark starts around the
// real kanaryad binary — a real Prometheus scraping a given target, a
// temporary directory holding kanaryad's configuration, kubeconfig, SQLite
// state and log, and the daemon itself — plus the gRPC calls the tests make.
// Start() fails with the part that did not come up. Not thread-safe; never
// product code.
#ifndef KANARYA_TESTS_E2E_KANARYAD_WORLD_H_
#define KANARYA_TESTS_E2E_KANARYAD_WORLD_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kanarya/v1/rollout_service.grpc.pb.h"
#include "tests/e2e/kanaryad_process.h"
#include "tests/lab/prometheus_server.h"

namespace kanarya::e2e {

struct KanaryadWorldOptions {
  std::string kanaryad_binary;
  std::string scrape_target;  // 127.0.0.1:PORT, scraped every `scrape_interval`
  absl::Duration scrape_interval = absl::Seconds(1);
  std::string kubeconfig;  // YAML, written for kanaryad (and kubectl)
  std::string loki_url;    // configures the provider "loki" when set
};

class KanaryadWorld {
 public:
  // Prometheus, the files, and kanaryad serving (within 30 s).
  static absl::StatusOr<std::unique_ptr<KanaryadWorld>> Start(const KanaryadWorldOptions& options);
  // Stops kanaryad and Prometheus; removes the directory unless Keep().
  ~KanaryadWorld();

  lab::PrometheusServer& prometheus() { return *prometheus_; }
  KanaryadProcess& daemon() { return *daemon_; }
  const std::string& directory() const { return directory_; }
  std::string kubeconfig_path() const { return directory_ + "/kubeconfig"; }
  // Leave the directory (kanaryad.log, the store) for a failed test's reader.
  void Keep() { keep_ = true; }

  // Until the instant query `query` answers one sample of value `value` (at
  // most `deadline`), e.g. until Prometheus holds enough of every baseline's
  // counters for a preflight.
  absl::Status WaitForQueryValue(const std::string& query, const std::string& value,
                                 absl::Duration deadline);

  std::unique_ptr<v1::RolloutService::Stub> Stub() const;
  // The new rollout's name.
  absl::StatusOr<std::string> Create(const v1::RolloutSpec& spec, const std::string& reason);
  // The rollout and, with `events`, its newest events.
  absl::StatusOr<v1::GetRolloutResponse> Get(const std::string& name, int events = 0);
  // Every stored event of the rollout, oldest first.
  absl::StatusOr<std::vector<v1::RolloutEvent>> Events(const std::string& name);
  // The canary weights the rollout set (its WEIGHT_CHANGED events), in order.
  absl::StatusOr<std::vector<int>> WeightChanges(const std::string& name);
  // Polls the rollout every 100 ms until `done` holds for it or `deadline`
  // passes; returns its last state either way (DeadlineExceeded carries it
  // in the message only).
  absl::StatusOr<v1::Rollout> WaitFor(const std::string& name,
                                      const std::function<bool(const v1::Rollout&)>& done,
                                      absl::Duration deadline);

 private:
  KanaryadWorld() = default;

  std::string directory_;
  std::unique_ptr<lab::PrometheusServer> prometheus_;
  std::unique_ptr<KanaryadProcess> daemon_;
  bool keep_ = false;
};

bool Terminal(v1::Phase phase);

}  // namespace kanarya::e2e

#endif  // KANARYA_TESTS_E2E_KANARYAD_WORLD_H_
