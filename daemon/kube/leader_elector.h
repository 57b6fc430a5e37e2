// Leader election on a coordination.k8s.io/v1 Lease, with client-go's
// semantics: the holder renews every retry period; a candidate takes the
// lease only when its record has not changed for leaseDurationSeconds by the
// candidate's own clock since it last saw it change (clock skew between
// machines does not matter, only clock rates); leaseTransitions and
// acquireTime follow each change of holder; a clean stop releases the lease.
//
// A leader that cannot renew stops acting before its lease can be taken:
// IsLeader() turns false renew_deadline after the start of the last
// successful renewal, by the local clock, even while a request hangs; a
// rival cannot take the lease before lease_duration after that renewal.
// Callbacks run on the election thread and must return promptly.
#ifndef KANARYA_DAEMON_KUBE_LEADER_ELECTOR_H_
#define KANARYA_DAEMON_KUBE_LEADER_ELECTOR_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/kube/kube_client.h"

namespace kanarya::kube {

struct LeaderElectionConfig {
  std::string namespace_name;
  std::string lease_name;
  std::string identity;                               // unique per replica: the pod name
  absl::Duration lease_duration = absl::Seconds(15);  // whole seconds
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
  bool release_on_stop = true;
};

struct LeaderCallbacks {
  std::function<void()> started_leading;
  std::function<void()> stopped_leading;
  std::function<void(const std::string& holder)> new_leader;  // another holder seen
};

// The parts of a Lease's spec the election reads. ParseLease is
// InvalidArgument naming the field when the object or its spec is malformed
// (a field of the wrong type); the elector then leaves the lease alone that
// round.
struct LeaseRecord {
  std::string holder;
  int64_t duration_seconds = 0;
  std::string acquire_time;
  int64_t transitions = 0;
};
absl::StatusOr<LeaseRecord> ParseLease(const nlohmann::json& lease);

class LeaderElector {
 public:
  // InvalidArgument naming the field unless the names are set and
  // lease_duration > renew_deadline > 1.2 × retry_period > 0, lease_duration
  // in whole seconds. Each request is bounded by retry_period.
  static absl::StatusOr<std::unique_ptr<LeaderElector>> Create(const KubeConfig& kube,
                                                               LeaderElectionConfig config,
                                                               LeaderCallbacks callbacks);
  ~LeaderElector();  // Stop()

  // Campaigns, then leads, on a thread of its own until Stop().
  void Start() ABSL_LOCKS_EXCLUDED(mutex_);
  // Stops campaigning; a leader stops leading (stopped_leading runs) and,
  // if release_on_stop, releases the lease so a rival can take it at once.
  void Stop() ABSL_LOCKS_EXCLUDED(mutex_);

  bool IsLeader() const ABSL_LOCKS_EXCLUDED(mutex_);
  std::string ObservedHolder() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  LeaderElector(const KubeConfig& kube, LeaderElectionConfig config, LeaderCallbacks callbacks);

  void Run();
  // One attempt to take or keep the lease; success moves renewed_at_.
  void TryAcquireOrRenew() ABSL_LOCKS_EXCLUDED(mutex_);
  // The lease was written with `record` by an attempt started then.
  void Held(const nlohmann::json& record, absl::Time attempt_start) ABSL_LOCKS_EXCLUDED(mutex_);
  void Release() ABSL_LOCKS_EXCLUDED(mutex_);
  // Sleeps up to `d`; false when stopping.
  bool Wait(absl::Duration d) ABSL_LOCKS_EXCLUDED(mutex_);
  bool LeadingAt(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  KubeClient client_;
  std::thread thread_;

  mutable absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  // The lease's spec as last seen, and when (local clock) it last changed.
  nlohmann::json observed_record_ ABSL_GUARDED_BY(mutex_) = nlohmann::json::object();
  absl::Time observed_time_ ABSL_GUARDED_BY(mutex_);
  // Start of the last successful acquisition or renewal; leadership lasts
  // renew_deadline from then.
  std::optional<absl::Time> renewed_at_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace kanarya::kube

#endif  // KANARYA_DAEMON_KUBE_LEADER_ELECTOR_H_
