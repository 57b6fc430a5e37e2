// Delivers transition notifications to webhook receivers without ever
// holding up the caller: Notify() renders nothing and performs no I/O, it
// only queues (a bounded queue; when it is full the notification is dropped,
// counted and logged). Worker threads of the notifier POST each one in the
// receiver's format, signed when the receiver has a secret, retrying
// transport errors, 408, 425, 429 and 5xx answers with exponential backoff,
// bounded in attempts and in total time. A worker sends one attempt at a
// time: a delivery that waits for its retry waits in the queue with its due
// time, never in a worker, so a receiver that is down delays no other. Logs name the receiver,
// never its URL (a Slack or Teams URL is a credential) nor its secret. Thread-safe. The destructor
// stops the workers: an attempt in flight ends within its timeout; what is still queued is counted
// as dropped.
#ifndef KANARYA_DAEMON_NOTIFY_NOTIFIER_H_
#define KANARYA_DAEMON_NOTIFY_NOTIFIER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/http/http_client.h"
#include "daemon/notify/notification.h"
#include "daemon/notify/webhook_format.h"

namespace kanarya::notify {

struct Receiver {
  std::string name;  // what logs and counters call it
  std::string url;
  WebhookFormat format = WebhookFormat::kGeneric;
  std::string secret;                         // the key itself (empty: unsigned)
  std::set<NotificationType> events;          // empty: every type
  absl::Duration timeout = absl::Seconds(5);  // of each attempt
  int max_attempts = 5;
  // No attempt starts later than this after the first one.
  absl::Duration max_delivery_time = absl::Minutes(2);
  absl::Duration initial_backoff = absl::Seconds(1);  // doubled after each failure
  absl::Duration max_backoff = absl::Seconds(30);
};

struct NotifierOptions {
  size_t queue_capacity = 1024;  // deliveries waiting, over every receiver
  int threads = 2;
  // Signs what goes to a rollout's own EVENT and post-rollout webhooks
  // (RolloutSpec.webhooks); empty: unsigned.
  std::string hook_secret;
};

struct NotifierStats {
  int64_t queued = 0;     // accepted into the queue
  int64_t delivered = 0;  // answered 2xx
  int64_t failed = 0;     // gave up: attempts or time exhausted, or a 4xx answer
  int64_t dropped = 0;    // the queue was full, or the notifier stopped first
  int64_t attempts = 0;   // requests sent
};

class Notifier {
 public:
  explicit Notifier(std::vector<Receiver> receivers, NotifierOptions options = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues the notification for every receiver whose filter takes its type
  // and for the rollout's EVENT webhooks; when it ends the rollout (rolled
  // back, promoted, failed, aborted), for its post-rollout webhooks too.
  void Notify(const Notification& notification) ABSL_LOCKS_EXCLUDED(mutex_);
  // The engine's commit hook: notifies when the commit deserves it.
  void OnCommit(const v1::Rollout& before, const v1::Rollout& after, absl::Time time)
      ABSL_LOCKS_EXCLUDED(mutex_);

  NotifierStats stats() const ABSL_LOCKS_EXCLUDED(mutex_);
  // Blocks until nothing is queued or in flight (true) or `deadline` passes.
  bool WaitIdle(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct Target {
    std::shared_ptr<const Receiver> receiver;
    std::unique_ptr<http::HttpClient> client;
  };
  struct Delivery {
    std::shared_ptr<const Receiver> receiver;
    http::HttpClient* client = nullptr;
    std::shared_ptr<const Notification> notification;
    std::optional<v1::Webhook> post_rollout;  // set: the hook's body, not the notification's
    bool rollout_hook = false;  // one of the rollout's own webhooks (HookSignatureHeaders)
    int64_t id = 0;
    // Its retries so far: attempts sent, when the first started, the next
    // backoff, and the last failure.
    int attempts = 0;
    absl::Time start = absl::InfinitePast();
    absl::Duration backoff;
    std::string last_error;
  };
  // What one attempt came to.
  enum class Outcome { kDelivered, kRetry, kFailed };

  static std::vector<Target> MakeTargets(std::vector<Receiver> receivers);
  // A receiver for a webhook of the rollout's spec.
  Receiver FromHook(const v1::Rollout& rollout, const v1::Webhook& hook) const;
  void Enqueue(Delivery delivery) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Work() ABSL_LOCKS_EXCLUDED(mutex_);
  // The next delivery to attempt (a retry that is due first), waiting for
  // one; nullopt when the notifier stops.
  std::optional<Delivery> Next() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Sends one attempt; on kRetry `delivery.backoff` is the wait before the next.
  Outcome Attempt(Delivery& delivery) ABSL_LOCKS_EXCLUDED(mutex_);
  void LogFailure(const Delivery& delivery) const;

  const std::vector<Target> receivers_;
  const NotifierOptions options_;
  const std::unique_ptr<http::HttpClient> hook_client_;  // for the rollouts' own webhooks

  mutable absl::Mutex mutex_;
  absl::CondVar changed_;
  std::deque<Delivery> queue_ ABSL_GUARDED_BY(mutex_);                   // first attempts, in order
  std::multimap<absl::Time, Delivery> retries_ ABSL_GUARDED_BY(mutex_);  // by due time
  int in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t next_id_ ABSL_GUARDED_BY(mutex_) = 1;
  NotifierStats stats_ ABSL_GUARDED_BY(mutex_);

  std::vector<std::thread> workers_;  // last: they use everything above
};

}  // namespace kanarya::notify

#endif  // KANARYA_DAEMON_NOTIFY_NOTIFIER_H_
