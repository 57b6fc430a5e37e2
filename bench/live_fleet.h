// The fleet kanaryad_live_benchmark runs: rollout i moves service svc-i in
// namespace team-(i % 50) from its stable to its canary workload, with five
// metrics read from Prometheus (the request error ratio, the mean request
// duration, CPU, memory, the error-log ratio: two counts and three
// continuous, 14 queries per tick for both sides) on 10 s ticks and 5 %
// steps of at least two minutes, so every rollout keeps ticking and moving
// traffic for the whole benchmark. The canaries are as good as their
// baselines. Pure; never product code.
#ifndef KANARYA_BENCH_LIVE_FLEET_H_
#define KANARYA_BENCH_LIVE_FLEET_H_

#include <map>
#include <string>

#include "absl/time/time.h"
#include "kanarya/v1/rollout.pb.h"
#include "tests/e2e/traffic_exporter.h"

namespace kanarya::bench {

inline constexpr absl::Duration kFleetTick = absl::Seconds(10);
// Per rollout and tick: two count metrics (events and total) and three
// continuous ones, for both sides.
inline constexpr int kFleetQueriesPerTick = 2 * (2 * 2 + 3);

std::string FleetNamespace(int i);
std::string FleetService(int i);
v1::RolloutSpec FleetSpec(int i);
// Both workloads of each of the first `rollouts` services, keyed by name.
std::map<std::string, e2e::Workload> FleetWorkloads(int rollouts);

}  // namespace kanarya::bench

#endif  // KANARYA_BENCH_LIVE_FLEET_H_
