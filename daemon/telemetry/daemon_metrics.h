// kanaryad's own Prometheus series (docs/daemon.md, "Telemetry"): the
// registry and every family the decorators record into. Label values are
// bounded: provider names come from the configuration, codes from
// absl::StatusCode / grpc::StatusCode, methods from the registered services,
// Kubernetes operations from KubeClient's fixed set.
// prometheus-cpp's metrics are thread-safe; so is this struct after
// construction.
#ifndef KANARYA_DAEMON_TELEMETRY_DAEMON_METRICS_H_
#define KANARYA_DAEMON_TELEMETRY_DAEMON_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::telemetry {

struct DaemonMetrics {
  DaemonMetrics();

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Family<prometheus::Histogram>& time_to_decision;  // by outcome
  prometheus::Histogram& time_to_rollback;
  prometheus::Family<prometheus::Histogram>& provider_query_duration;
  prometheus::Family<prometheus::Counter>& provider_errors;
  prometheus::Family<prometheus::Counter>& grpc_requests;
  prometheus::Family<prometheus::Histogram>& grpc_duration;
  prometheus::Gauge& leader;
  prometheus::Histogram& store_commit_duration;
  prometheus::Histogram& analysis_duration;
  prometheus::Family<prometheus::Counter>& kubernetes_errors;

  // The histogram of decisions with this outcome (a final phase).
  prometheus::Histogram& TimeToDecision(v1::Phase outcome);
};

// A kube::KubeErrorObserver that counts each failed Kubernetes API call in
// kanarya_kubernetes_errors_total{operation,code}.
std::function<void(std::string_view operation, const absl::Status& status)> KubernetesErrorCounter(
    DaemonMetrics& metrics);
// An EngineOptions::on_tick_analysed that records each tick's analysis in
// kanarya_analysis_duration_seconds.
std::function<void(absl::Duration)> AnalysisDurationRecorder(DaemonMetrics& metrics);

// Bucket bounds (seconds) of each histogram, exposed for the tests.
const prometheus::Histogram::BucketBoundaries& DecisionBuckets();
const prometheus::Histogram::BucketBoundaries& RollbackBuckets();
const prometheus::Histogram::BucketBoundaries& ProviderQueryBuckets();
const prometheus::Histogram::BucketBoundaries& GrpcBuckets();
const prometheus::Histogram::BucketBoundaries& StoreCommitBuckets();
const prometheus::Histogram::BucketBoundaries& AnalysisBuckets();

// The code label of a status: "ok", "unavailable", "deadline_exceeded", ...
std::string CodeLabel(absl::StatusCode code);
// The phase label of a phase: "progressing", "rolled_back", ...
std::string PhaseLabel(v1::Phase phase);

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_DAEMON_METRICS_H_
