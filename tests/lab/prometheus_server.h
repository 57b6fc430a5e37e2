// Test equipment: a real Prometheus server (Debian's `prometheus`) on a free
// loopback port, its TSDB written beforehand from OpenMetrics text with
// Prometheus' own `promtool tsdb create-blocks-from openmetrics`, so every
// query has a known exact answer. Never product code.
#ifndef KANARYA_TESTS_LAB_PROMETHEUS_SERVER_H_
#define KANARYA_TESTS_LAB_PROMETHEUS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kanarya::lab {

class PrometheusServer {
 public:
  // `openmetrics` must end with "# EOF". When `scrape_target` is set
  // ("127.0.0.1:PORT"), Prometheus also scrapes its /metrics every
  // `scrape_interval` (whole seconds). `features` are passed as
  // --enable-feature=NAME (e.g. "native-histograms").
  // Fails when promtool rejects the data or the server is not ready in 30 s.
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(
      const std::string& openmetrics, const std::string& scrape_target = "",
      absl::Duration scrape_interval = absl::Seconds(1),
      const std::vector<std::string>& features = {});
  ~PrometheusServer();

  std::string url() const;  // http://127.0.0.1:PORT
  int port() const { return port_; }

  // Kills the server at once (SIGKILL), as a crash would.
  void Kill();
  // Starts it again on the same port and data; waits until ready.
  absl::Status Restart();

 private:
  PrometheusServer(std::string directory, int port, std::vector<std::string> features)
      : directory_(std::move(directory)), port_(port), features_(std::move(features)) {}
  absl::Status Launch();

  const std::string directory_;
  const int port_;
  const std::vector<std::string> features_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago; 0 when none was given.
int FreeLoopbackPort();

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_PROMETHEUS_SERVER_H_
