// Test support: a rollout spec for the engine's tests and a scripted
// Prometheus behind it. Every answer is a pure function of the query (side,
// metric, time), so a tick asked twice — after a restart, say — gets the same
// data, and a run is repeatable. Counts per tick are Poisson requests with
// binomial errors from a generator seeded by (time, side, version). A range
// query gets, at each step, what the instant query at that time gets.
#ifndef KANARYA_DAEMON_TESTING_CANARY_TRAFFIC_H_
#define KANARYA_DAEMON_TESTING_CANARY_TRAFFIC_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/testing/fake_metric_provider.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::testing {

// Target shop/reviews route "primary", revision "v2", baseline version "v1",
// one critical count metric "errors" (provider "prometheus", events
// `errors{version="…"}`, total `requests{version="…"}`, tolerance 0.5),
// steps 10 and 50 (1 to 10 minutes each), 10 s ticks.
v1::RolloutSpec TestRolloutSpec();

struct CanaryTraffic {
  // Requests per tick on each side (Poisson means) and their error rates.
  std::function<double(absl::Time)> baseline_requests = [](absl::Time) { return 2000.0; };
  std::function<double(absl::Time)> canary_requests = [](absl::Time) { return 2000.0; };
  double baseline_error_rate = 0.01;
  double canary_error_rate = 0.01;
  // Canaries of other versions than "v2" (a spec whose canary scope has
  // version "v3", say) with their own error rate, so one engine can run a
  // good and a bad rollout side by side. The baseline is always "v1".
  std::map<std::string, double> other_canary_error_rates;
  // Ticks (by their end) whose canary queries return an empty result.
  std::function<bool(absl::Time)> canary_no_data = [](absl::Time) { return false; };
  // Ticks whose queries fail with this status (OK: none).
  std::function<absl::Status(absl::Time)> outage = [](absl::Time) { return absl::OkStatus(); };
  // The canary's value of a second metric "latency" (see WithLatencyGuardrail);
  // the baseline's is 0.1.
  double canary_latency = 0.1;
  // The per-tick noise of both sides' latency: normal with this standard
  // deviation around their values, seeded by (tick, side).
  double latency_sd = 0;
};

Responder MakeResponder(const CanaryTraffic& traffic);

// Adds a non-critical continuous metric "latency" (`latency{version="…"}`)
// with a guardrail max of 0.5 and the given failure limit.
void WithLatencyGuardrail(v1::RolloutSpec& spec, int failure_limit);

}  // namespace kanarya::testing

#endif  // KANARYA_DAEMON_TESTING_CANARY_TRAFFIC_H_
