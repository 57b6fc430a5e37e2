#include "tests/lab/mesh_simulation.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kanarya::lab {
namespace {

// FNV-1a: a service's generator seed must not depend on the standard
// library's std::hash.
uint64_t NameHash(const std::string& name) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::mt19937_64 Generator(uint64_t seed, const std::string& name) {
  const uint64_t hash = NameHash(name);
  std::seed_seq sequence{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                         static_cast<uint32_t>(hash), static_cast<uint32_t>(hash >> 32)};
  return std::mt19937_64(sequence);
}

}  // namespace

MeshSimulation::MeshSimulation(const std::vector<LabService>& services, uint64_t seed,
                               absl::Time start, RouteReader routes, IstioTelemetry& telemetry,
                               LogSink logs)
    : routes_(std::move(routes)), telemetry_(telemetry), logs_(std::move(logs)), next_tick_(start) {
  for (const LabService& config : services) {
    ServiceRuntime runtime{.config = config, .random = Generator(seed, config.name)};
    runtime.unrouted = {.service = config.name, .namespace_name = config.namespace_name};
    for (const WorkloadVersion& v : config.versions) {
      runtime.versions.push_back({.state = {.service = config.name,
                                            .namespace_name = config.namespace_name,
                                            .version = v.version,
                                            .workload = config.workload(v.version),
                                            .error_rate = v.error_rate},
                                  .latency_median_ms = v.latency_median_ms,
                                  .latency_sigma = v.latency_sigma});
    }
    services_.push_back(std::move(runtime));
  }
}

void MeshSimulation::AdvanceTo(absl::Time now) {
  absl::MutexLock lock(&mutex_);
  while (next_tick_ + kTick <= now) {
    for (ServiceRuntime& service : services_) SimulateTick(service, next_tick_);
    next_tick_ += kTick;
  }
}

void MeshSimulation::SimulateTick(ServiceRuntime& service, absl::Time start) {
  const absl::StatusOr<std::vector<VersionShare>> shares = routes_(service.config);
  service.unrouted.route_error = shares.ok() ? "" : std::string(shares.status().message());
  // The routes as cumulative shares: a request whose draw is past the last
  // reaches no version.
  std::vector<std::pair<double, VersionRuntime*>> cumulative;
  double total = 0;
  for (const VersionShare& share : shares.ok() ? *shares : std::vector<VersionShare>{}) {
    total += share.share;
    for (VersionRuntime& v : service.versions) {
      if (v.state.version == share.version) cumulative.emplace_back(total, &v);
    }
  }
  const double mean_requests = service.config.requests_per_second * absl::ToDoubleSeconds(kTick);
  if (mean_requests <= 0) return;  // std::poisson_distribution needs a positive mean
  std::poisson_distribution<int64_t> arrivals(mean_requests);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::normal_distribution<double> normal(0, 1);
  const int64_t requests = arrivals(service.random);
  for (int64_t i = 0; i < requests; ++i) {
    // Every request makes the same draws, routed or not, so one request's
    // fate never shifts the next one's.
    const absl::Time arrival = start + kTick * uniform(service.random);
    const double route_draw = uniform(service.random);
    const double error_draw = uniform(service.random);
    const double latency_draw = normal(service.random);

    VersionRuntime* target = nullptr;
    for (const auto& [bound, version] : cumulative) {
      if (route_draw < bound) {
        target = version;
        break;
      }
    }
    if (target == nullptr) {
      ++service.unrouted.requests;
      continue;
    }
    VersionState& state = target->state;
    const bool failed = error_draw < state.error_rate;
    const double duration_ms = target->latency_median_ms * state.latency_factor *
                               std::exp(target->latency_sigma * latency_draw);
    const int code = failed ? 500 : 200;
    ++state.requests;
    if (failed) ++state.errors;
    telemetry_.Record(service.config, state.version, code, duration_ms);
    logs_(
        {{"namespace", state.namespace_name}, {"app", state.workload}, {"version", state.version}},
        arrival,
        absl::StrFormat("level=%s msg=\"%s\" method=GET path=/ status=%d duration_ms=%.1f",
                        failed ? "error" : "info",
                        failed ? "upstream request failed" : "request served", code, duration_ms));
  }
}

absl::Status MeshSimulation::SetFault(const FaultChange& change) {
  absl::MutexLock lock(&mutex_);
  ServiceRuntime* service = nullptr;
  std::vector<std::string> names;
  for (ServiceRuntime& s : services_) {
    names.push_back(s.config.name);
    if (s.config.name == change.service) service = &s;
  }
  if (service == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("service: no service \"", change.service,
                                                   "\" (known: ", absl::StrJoin(names, ", "), ")"));
  }
  VersionRuntime* version = nullptr;
  names.clear();
  for (VersionRuntime& v : service->versions) {
    names.push_back(v.state.version);
    if (v.state.version == change.version) version = &v;
  }
  if (version == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("version: ", change.service,
                                                   " has no version \"", change.version,
                                                   "\" (known: ", absl::StrJoin(names, ", "), ")"));
  }
  if (!change.error_rate && !change.latency_factor) {
    return absl::InvalidArgumentError("error_rate: give error_rate, latency_factor or both");
  }
  if (change.error_rate && !(*change.error_rate >= 0 && *change.error_rate <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("error_rate: must be from 0 to 1, got ", *change.error_rate));
  }
  if (change.latency_factor && !(*change.latency_factor > 0 && *change.latency_factor <= 1000)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "latency_factor: must be greater than 0 and at most 1000, got ", *change.latency_factor));
  }
  if (change.error_rate) version->state.error_rate = *change.error_rate;
  if (change.latency_factor) version->state.latency_factor = *change.latency_factor;
  return absl::OkStatus();
}

std::vector<VersionState> MeshSimulation::Versions() const {
  absl::MutexLock lock(&mutex_);
  std::vector<VersionState> states;
  for (const ServiceRuntime& s : services_) {
    for (const VersionRuntime& v : s.versions) states.push_back(v.state);
  }
  return states;
}

std::vector<UnroutedState> MeshSimulation::Unrouted() const {
  absl::MutexLock lock(&mutex_);
  std::vector<UnroutedState> states;
  for (const ServiceRuntime& s : services_) states.push_back(s.unrouted);
  return states;
}

}  // namespace kanarya::lab
