// A StateStore decorator that observes what the engine commits: the time of
// every Commit/CommitBatch (kanarya_store_commit_duration_seconds), and, for
// the events of each successful commit, the decisions
// (kanarya_decisions_total{outcome}, kanarya_time_to_decision_seconds{outcome},
// kanarya_time_to_rollback_seconds) and
// a log line per phase change or warning naming the rollout and namespace.
// Reads pass through. Does not own the wrapped store; thread-safe as it is.
#ifndef KANARYA_DAEMON_TELEMETRY_INSTRUMENTED_STORE_H_
#define KANARYA_DAEMON_TELEMETRY_INSTRUMENTED_STORE_H_

#include "daemon/store/state_store.h"
#include "daemon/telemetry/daemon_metrics.h"

namespace kanarya::telemetry {

class InstrumentedStore final : public store::StateStore {
 public:
  InstrumentedStore(store::StateStore& store, DaemonMetrics& metrics)
      : store_(store), metrics_(metrics) {}

  absl::StatusOr<int64_t> Commit(const store::Mutation& mutation, bool new_rollout) override;
  absl::StatusOr<std::vector<int64_t>> CommitBatch(
      std::span<const store::Mutation> updates) override;

  absl::StatusOr<v1::Rollout> GetRollout(const std::string& name) override {
    return store_.GetRollout(name);
  }
  absl::StatusOr<std::vector<v1::Rollout>> ListRollouts(
      const store::RolloutFilter& filter) override {
    return store_.ListRollouts(filter);
  }
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListEvents(const std::string& name,
                                                           int64_t after_sequence,
                                                           int limit) override {
    return store_.ListEvents(name, after_sequence, limit);
  }
  absl::StatusOr<std::vector<v1::RolloutEvent>> ListRecentEvents(const std::string& name,
                                                                 int limit) override {
    return store_.ListRecentEvents(name, limit);
  }
  absl::StatusOr<std::vector<v1::Tick>> ListTicks(const std::string& name,
                                                  int32_t attempt) override {
    return store_.ListTicks(name, attempt);
  }

 private:
  // Records the decisions and logs the events of a stored mutation.
  void Observe(const store::Mutation& mutation);

  store::StateStore& store_;
  DaemonMetrics& metrics_;
};

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_INSTRUMENTED_STORE_H_
