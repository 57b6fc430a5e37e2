// kanaryad's own Prometheus series (docs/daemon.md, "Telemetry"): the
// registry and every family the decorators record into. Label values are
// bounded: provider names come from the configuration, codes from
// absl::StatusCode / grpc::StatusCode, methods from the registered services.
// prometheus-cpp's metrics are thread-safe; so is this struct after
// construction.
#ifndef KANARYA_DAEMON_TELEMETRY_DAEMON_METRICS_H_
#define KANARYA_DAEMON_TELEMETRY_DAEMON_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::telemetry {

struct DaemonMetrics {
  DaemonMetrics();

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Histogram& time_to_decision;
  prometheus::Family<prometheus::Histogram>& provider_query_duration;
  prometheus::Family<prometheus::Counter>& provider_errors;
  prometheus::Family<prometheus::Counter>& grpc_requests;
  prometheus::Family<prometheus::Histogram>& grpc_duration;
  prometheus::Gauge& leader;
  prometheus::Histogram& store_commit_duration;
};

// Bucket bounds (seconds) of each histogram, exposed for the tests.
const prometheus::Histogram::BucketBoundaries& DecisionBuckets();
const prometheus::Histogram::BucketBoundaries& ProviderQueryBuckets();
const prometheus::Histogram::BucketBoundaries& GrpcBuckets();
const prometheus::Histogram::BucketBoundaries& StoreCommitBuckets();

// The code label of a status: "ok", "unavailable", "deadline_exceeded", ...
std::string CodeLabel(absl::StatusCode code);
// The phase label of a phase: "progressing", "rolled_back", ...
std::string PhaseLabel(v1::Phase phase);

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_DAEMON_METRICS_H_
