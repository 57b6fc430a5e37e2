// The rollouts' own webhooks where the engine asks them (engine::HookGates):
// Check answers at once from what the hooks last said and, for each hook of
// the point that has not settled and is not being asked already, queues a
// request that the gates' threads send (one in flight per hook, a bounded
// queue): the engine's thread never waits on a hook. A pre-rollout or
// confirm hook's 2xx is a pass for one move: the verdict kProceed that rests
// on it uses it up, and Withdraw drops it (the engine asks gates only when
// the step could move); a rollback hook's 2xx stands for the attempt. A hook
// that errs (no answer, 429, 5xx) is asked again only after a backoff of
// 1, 2, 4 ... up to 32 checks (ticks); a 4xx is an answer and is polled on.
// Requests are signed when a secret is given, the rollout's namespace and
// name with the body (HookSignatureHeaders).
// Reasons name the hook and its last answer, never its URL.
// Thread-safe; the destructor waits for the requests in flight (each within
// its timeout) and drops the queued ones.
#ifndef KANARYA_DAEMON_NOTIFY_WEBHOOK_GATES_H_
#define KANARYA_DAEMON_NOTIFY_WEBHOOK_GATES_H_

#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/engine/hook_gates.h"
#include "daemon/http/http_client.h"

namespace kanarya::notify {

struct WebhookGatesOptions {
  std::string secret;  // HMAC key of every request (empty: unsigned)
  int threads = 2;
  size_t queue_capacity = 1024;
  // Consecutive non-2xx answers (or errors) of a pre-rollout hook that fail
  // the rollout.
  int pre_rollout_failures = 3;
  absl::Duration default_timeout = absl::Seconds(10);  // a hook without its own
};

class WebhookGates final : public engine::HookGates {
 public:
  explicit WebhookGates(WebhookGatesOptions options = {});
  ~WebhookGates() override;
  WebhookGates(const WebhookGates&) = delete;
  WebhookGates& operator=(const WebhookGates&) = delete;

  engine::HookVerdict Check(const v1::Rollout& rollout, engine::HookPoint point) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  void Withdraw(const v1::Rollout& rollout, engine::HookPoint point) override
      ABSL_LOCKS_EXCLUDED(mutex_);

  // Blocks until no request is queued or in flight (true) or `deadline`.
  bool WaitIdle(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mutex_);
  int64_t requests_sent() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct HookState {
    bool in_flight = false;
    bool passed = false;     // answered 2xx, not yet used by a move
    int failures = 0;        // consecutive other answers
    int errors = 0;          // consecutive errors (no answer, 429, 5xx)
    int checks_to_skip = 0;  // the backoff after an error, in checks
    int64_t generation = 0;  // a Withdraw makes the answers in flight moot
    std::string last = "no answer yet";
    absl::Time used;  // last checked (real time), for forgetting old rollouts
  };
  struct Call {
    std::string key;
    int64_t generation = 0;
    std::string namespace_name;  // the rollout's, signed with the body
    std::string rollout_name;
    std::string url;
    std::string body;
    absl::Duration timeout;
  };

  // Starts a request for the hook unless one is in flight or the queue is full.
  void Ask(const std::string& key, HookState& state, const v1::Rollout& rollout,
           const v1::Webhook& hook) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // A hook's answer to its request: passed or not, and the backoff.
  static void Record(HookState& state, const absl::StatusOr<http::HttpResponse>& response);
  void Forget() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Work() ABSL_LOCKS_EXCLUDED(mutex_);

  const WebhookGatesOptions options_;
  http::HttpClient client_;

  mutable absl::Mutex mutex_;
  absl::CondVar changed_;
  std::map<std::string, HookState> hooks_ ABSL_GUARDED_BY(mutex_);
  std::deque<Call> queue_ ABSL_GUARDED_BY(mutex_);
  int in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t sent_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;

  std::vector<std::thread> workers_;  // last: they use everything above
};

}  // namespace kanarya::notify

#endif  // KANARYA_DAEMON_NOTIFY_WEBHOOK_GATES_H_
