// Records Kubernetes Events (core/v1) about an object, as `kubectl describe`
// and `kubectl get events` show them. Best effort, like client-go's recorder:
// a failure to record is counted, never returned, so an event can never stop
// a rollback. A repeat of an event (same subject, type, reason and message)
// within 10 minutes bumps the existing event's count instead of adding one.
// Thread-safe.
#ifndef KANARYA_DAEMON_KUBE_EVENT_RECORDER_H_
#define KANARYA_DAEMON_KUBE_EVENT_RECORDER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/kube/kube_client.h"

namespace kanarya::kube {

// The object an event is about (its involvedObject). Events live in the
// subject's namespace.
struct EventSubject {
  std::string api_version;  // "kanarya.dev/v1alpha1"
  std::string kind;         // "Rollout"
  std::string namespace_name;
  std::string name;
  std::string uid;  // may be empty
};

enum class EventType { kNormal, kWarning };

class EventRecorder {
 public:
  // `component` names the reporter (source.component, reportingComponent);
  // `instance` the replica (source.host, reportingInstance), e.g. the pod.
  // `client` must outlive the recorder.
  EventRecorder(KubeClient& client, std::string component, std::string instance);

  // `reason` is UpperCamelCase ("TrafficShifted"); `message` is cut to 1024
  // bytes on a character boundary, invalid UTF-8 replaced.
  void Record(const EventSubject& subject, EventType type, const std::string& reason,
              const std::string& message) ABSL_LOCKS_EXCLUDED(mutex_);

  int64_t failures() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct Series {
    std::string event_name;
    int count = 0;
    absl::Time last_seen;
  };

  KubeClient& client_;
  const std::string component_;
  const std::string instance_;

  mutable absl::Mutex mutex_;
  std::map<std::string, Series> series_
      ABSL_GUARDED_BY(mutex_);  // by subject, type, reason, message
  int64_t failures_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace kanarya::kube

#endif  // KANARYA_DAEMON_KUBE_EVENT_RECORDER_H_
