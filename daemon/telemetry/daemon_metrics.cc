#include "daemon/telemetry/daemon_metrics.h"

#include <string_view>

#include "absl/strings/ascii.h"

namespace kanarya::telemetry {

const prometheus::Histogram::BucketBoundaries& DecisionBuckets() {
  // From a minute (a failed preflight) to a day (a slow rollout with gates).
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      60, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400};
  return *kBuckets;
}

const prometheus::Histogram::BucketBoundaries& RollbackBuckets() {
  // From a regression caught on its step's first ticks to one found after
  // an hour-long step.
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200};
  return *kBuckets;
}

const prometheus::Histogram::BucketBoundaries& ProviderQueryBuckets() {
  // Providers time out after 30 s by default.
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *kBuckets;
}

const prometheus::Histogram::BucketBoundaries& GrpcBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300};
  return *kBuckets;
}

const prometheus::Histogram::BucketBoundaries& StoreCommitBuckets() {
  // One SQLite commit is one sync to disk: sub-millisecond to a slow volume.
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  return *kBuckets;
}

const prometheus::Histogram::BucketBoundaries& AnalysisBuckets() {
  // A tick's queries (up to the providers' 30 s timeout) and its decision.
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return *kBuckets;
}

std::string CodeLabel(absl::StatusCode code) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(code));
}

std::string PhaseLabel(v1::Phase phase) {
  std::string name = absl::AsciiStrToLower(v1::Phase_Name(phase));
  constexpr std::string_view kPrefix = "phase_";
  return name.starts_with(kPrefix) ? name.substr(kPrefix.size()) : name;
}

namespace {

template <typename Builder>
auto& Make(Builder builder, const char* name, const char* help,
           const std::shared_ptr<prometheus::Registry>& registry) {
  return builder.Name(name).Help(help).Register(*registry);
}

}  // namespace

DaemonMetrics::DaemonMetrics()
    : registry(std::make_shared<prometheus::Registry>()),
      decisions(Make(prometheus::BuildCounter(), "kanarya_decisions_total",
                     "Rollouts that reached a final phase, by outcome (the phase reached).",
                     registry)),
      time_to_decision(Make(prometheus::BuildHistogram(), "kanarya_time_to_decision_seconds",
                            "Seconds from a rollout's start (its attempt's first traffic "
                            "move; its creation when it never moved traffic) to its final "
                            "phase, by outcome (the phase reached).",
                            registry)),
      time_to_rollback(Make(prometheus::BuildHistogram(), "kanarya_time_to_rollback_seconds",
                            "Seconds from the start of the step on which a rollback was "
                            "decided to the traffic back at 100% stable.",
                            registry)
                           .Add({}, RollbackBuckets())),
      provider_query_duration(Make(prometheus::BuildHistogram(),
                                   "kanarya_provider_query_duration_seconds",
                                   "Seconds one batch of concurrent queries to a metric "
                                   "provider took.",
                                   registry)),
      provider_errors(Make(prometheus::BuildCounter(), "kanarya_provider_errors_total",
                           "Failed metric provider queries, by provider and status code.",
                           registry)),
      grpc_requests(Make(prometheus::BuildCounter(), "kanarya_grpc_requests_total",
                         "gRPC calls answered, by full method name and status code.", registry)),
      grpc_duration(Make(prometheus::BuildHistogram(), "kanarya_grpc_request_duration_seconds",
                         "Seconds from a gRPC call's arrival to its status (streams: their "
                         "whole life).",
                         registry)),
      leader(Make(prometheus::BuildGauge(), "kanarya_leader",
                  "1 while this process drives the rollouts.", registry)
                 .Add({})),
      store_commit_duration(Make(prometheus::BuildHistogram(),
                                 "kanarya_store_commit_duration_seconds",
                                 "Seconds one state store commit (one rollout or one batch) "
                                 "took, failed ones included.",
                                 registry)
                                .Add({}, StoreCommitBuckets())),
      analysis_duration(Make(prometheus::BuildHistogram(), "kanarya_analysis_duration_seconds",
                             "Seconds one rollout tick's analysis took, from its first query "
                             "to its decision.",
                             registry)
                            .Add({}, AnalysisBuckets())),
      kubernetes_errors(Make(prometheus::BuildCounter(), "kanarya_kubernetes_errors_total",
                             "Failed Kubernetes API calls, by operation and status code.",
                             registry)) {
  // Every outcome from 0, so that rate() sees the first decision of each.
  for (v1::Phase final_phase :
       {v1::PHASE_SUCCEEDED, v1::PHASE_ROLLED_BACK, v1::PHASE_ABORTED, v1::PHASE_FAILED}) {
    decisions.Add({{"outcome", PhaseLabel(final_phase)}});
    TimeToDecision(final_phase);
  }
}

prometheus::Histogram& DaemonMetrics::TimeToDecision(v1::Phase outcome) {
  return time_to_decision.Add({{"outcome", PhaseLabel(outcome)}}, DecisionBuckets());
}

std::function<void(std::string_view, const absl::Status&)> KubernetesErrorCounter(
    DaemonMetrics& metrics) {
  return [&metrics](std::string_view operation, const absl::Status& status) {
    metrics.kubernetes_errors
        .Add({{"operation", std::string(operation)}, {"code", CodeLabel(status.code())}})
        .Increment();
  };
}

std::function<void(absl::Duration)> AnalysisDurationRecorder(DaemonMetrics& metrics) {
  return [&metrics](absl::Duration took) {
    metrics.analysis_duration.Observe(absl::ToDoubleSeconds(took));
  };
}

}  // namespace kanarya::telemetry
