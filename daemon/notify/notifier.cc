#include "daemon/notify/notifier.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "daemon/notify/webhook_signature.h"
#include "daemon/telemetry/log.h"

namespace kanarya::notify {
namespace {

using telemetry::Log;
using telemetry::LogLevel;

bool Retryable(long status) {  // NOLINT(google-runtime-int): curl's type
  return status == 408 || status == 425 || status == 429 || status >= 500;
}

telemetry::LogFields Fields(const Notification& n, const Receiver& receiver) {
  return {{"rollout", n.rollout.name()},
          {"namespace", n.rollout.spec().target().namespace_()},
          {"receiver", receiver.name},
          {"notification", std::string(TypeName(n.type))}};
}

std::unique_ptr<http::HttpClient> MakeClient() {
  http::EndpointConfig endpoint;
  endpoint.max_attempts = 1;  // the notifier retries, with its own backoff and bounds
  endpoint.max_response_bytes = 64 << 10;
  return std::make_unique<http::HttpClient>(endpoint);
}

bool EndsRollout(NotificationType type) {
  return type == NotificationType::kRolledBack || type == NotificationType::kPromoted ||
         type == NotificationType::kFailed || type == NotificationType::kAborted;
}

}  // namespace

std::vector<Notifier::Target> Notifier::MakeTargets(std::vector<Receiver> receivers) {
  std::vector<Target> targets;
  targets.reserve(receivers.size());
  for (Receiver& receiver : receivers) {
    targets.push_back({std::make_shared<const Receiver>(std::move(receiver)), MakeClient()});
  }
  return targets;
}

Notifier::Notifier(std::vector<Receiver> receivers, NotifierOptions options)
    : receivers_(MakeTargets(std::move(receivers))),
      options_(std::move(options)),
      hook_client_(MakeClient()) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) workers_.emplace_back([this] { Work(); });
}

Notifier::~Notifier() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    const size_t waiting = queue_.size() + retries_.size();
    stats_.dropped += static_cast<int64_t>(waiting);
    if (waiting > 0) {
      Log(LogLevel::kWarning, absl::StrCat("stopping: ", waiting, " notifications not delivered"));
    }
    queue_.clear();
    retries_.clear();
    changed_.SignalAll();
  }
  for (std::thread& worker : workers_) worker.join();
}

void Notifier::OnCommit(const v1::Rollout& before, const v1::Rollout& after, absl::Time time) {
  if (std::optional<Notification> n = NotificationFor(before, after, time); n.has_value()) {
    Notify(*n);
  }
}

Receiver Notifier::FromHook(const v1::Rollout& rollout, const v1::Webhook& hook) const {
  Receiver receiver;
  receiver.name = absl::StrCat(rollout.name(), "/", hook.name());
  receiver.url = hook.url();
  receiver.format = ParseFormat(hook.format()).value_or(WebhookFormat::kGeneric);
  receiver.secret = options_.hook_secret;
  if (hook.has_timeout()) {
    receiver.timeout =
        absl::Seconds(hook.timeout().seconds()) + absl::Nanoseconds(hook.timeout().nanos());
  }
  return receiver;
}

void Notifier::Notify(const Notification& notification) {
  const auto shared = std::make_shared<const Notification>(notification);
  absl::MutexLock lock(&mutex_);
  for (const Target& target : receivers_) {
    const std::set<NotificationType>& events = target.receiver->events;
    if (!events.empty() && !events.contains(notification.type)) continue;
    Enqueue({target.receiver, target.client.get(), shared, std::nullopt});
  }
  for (const v1::Webhook& hook : notification.rollout.spec().webhooks()) {
    const bool post =
        hook.type() == v1::WEBHOOK_TYPE_POST_ROLLOUT && EndsRollout(notification.type);
    if (hook.type() != v1::WEBHOOK_TYPE_EVENT && !post) continue;
    Enqueue({std::make_shared<const Receiver>(FromHook(notification.rollout, hook)),
             hook_client_.get(), shared, post ? std::optional(hook) : std::nullopt,
             /*rollout_hook=*/true});
  }
  changed_.SignalAll();
}

void Notifier::Enqueue(Delivery delivery) {
  if (stopping_ || queue_.size() + retries_.size() >= options_.queue_capacity) {
    // Logged at the first drop and then every hundredth: a receiver that is
    // down must not flood the log either.
    if (stats_.dropped++ % 100 == 0) {
      Log(LogLevel::kWarning,
          absl::StrCat("notification queue full (", options_.queue_capacity, "): dropped; ",
                       stats_.dropped, " dropped so far"),
          Fields(*delivery.notification, *delivery.receiver));
    }
    return;
  }
  delivery.id = next_id_++;
  queue_.push_back(std::move(delivery));
  ++stats_.queued;
}

void Notifier::Work() {
  while (true) {
    std::optional<Delivery> delivery;
    {
      absl::MutexLock lock(&mutex_);
      delivery = Next();
      if (!delivery.has_value()) return;
      ++in_flight_;
    }
    const Outcome outcome = Attempt(*delivery);
    if (outcome == Outcome::kFailed) LogFailure(*delivery);
    absl::MutexLock lock(&mutex_);
    --in_flight_;
    if (outcome == Outcome::kRetry && !stopping_) {
      const absl::Time due = absl::Now() + delivery->backoff;
      delivery->backoff = std::min(delivery->backoff * 2, delivery->receiver->max_backoff);
      retries_.emplace(due, *std::move(delivery));
    } else if (outcome == Outcome::kRetry) {
      ++stats_.dropped;
    } else {
      ++(outcome == Outcome::kDelivered ? stats_.delivered : stats_.failed);
    }
    changed_.SignalAll();
  }
}

std::optional<Notifier::Delivery> Notifier::Next() {
  while (!stopping_) {
    const absl::Time now = absl::Now();
    if (!retries_.empty() && retries_.begin()->first <= now) {
      Delivery due = std::move(retries_.begin()->second);
      retries_.erase(retries_.begin());
      return due;
    }
    if (!queue_.empty()) {
      Delivery first = std::move(queue_.front());
      queue_.pop_front();
      return first;
    }
    if (retries_.empty()) {
      changed_.Wait(&mutex_);
    } else {
      changed_.WaitWithDeadline(&mutex_, retries_.begin()->first);
    }
  }
  return std::nullopt;
}

Notifier::Outcome Notifier::Attempt(Delivery& delivery) {
  const Receiver& receiver = *delivery.receiver;
  const Notification& n = *delivery.notification;
  const absl::Time now = absl::Now();
  if (delivery.attempts == 0) {
    delivery.start = now;
    delivery.backoff = receiver.initial_backoff;
  }
  const absl::Time give_up = delivery.start + receiver.max_delivery_time;
  if (now >= give_up) return Outcome::kFailed;  // waited past its time in the queue
  const std::string body = delivery.post_rollout.has_value()
                               ? RenderHookBody(n.rollout, *delivery.post_rollout, n.time)
                               : RenderBody(n, receiver.format);
  const std::string event =
      delivery.post_rollout.has_value() ? "webhook.post-rollout" : std::string(TypeName(n.type));
  ++delivery.attempts;
  http::HttpRequest request;
  request.method = "POST";
  request.idempotent = false;
  request.url = receiver.url;
  request.body = body;
  request.timeout = std::min(receiver.timeout, give_up - now);
  request.accept_compressed = false;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", "kanaryad"},
                     {"X-Kanarya-Event", event},
                     {"X-Kanarya-Delivery", absl::StrCat(delivery.id)}};
  if (!receiver.secret.empty()) {
    http::Headers signature =
        delivery.rollout_hook
            ? HookSignatureHeaders(receiver.secret, n.rollout.spec().target().namespace_(),
                                   n.rollout.name(), body, absl::Now())
            : SignatureHeaders(receiver.secret, body, absl::Now());
    for (auto& header : signature) request.headers.push_back(std::move(header));
  }
  absl::StatusOr<http::HttpResponse> response = delivery.client->Perform(request);
  {
    absl::MutexLock lock(&mutex_);
    ++stats_.attempts;
  }
  if (response.ok() && response->status >= 200 && response->status < 300) {
    Log(LogLevel::kDebug,
        absl::StrCat("notification delivered in ", delivery.attempts, " attempt(s)"),
        Fields(n, receiver));
    return Outcome::kDelivered;
  }
  // The status code only: curl's messages can carry the URL.
  delivery.last_error = response.ok() ? absl::StrCat("HTTP ", response->status)
                                      : absl::StatusCodeToString(response.status().code());
  if (response.ok() && !Retryable(response->status)) return Outcome::kFailed;
  if (delivery.attempts >= receiver.max_attempts) return Outcome::kFailed;
  if (absl::Now() + delivery.backoff >= give_up) return Outcome::kFailed;
  return Outcome::kRetry;
}

void Notifier::LogFailure(const Delivery& delivery) const {
  const absl::Duration took =
      delivery.attempts == 0 ? absl::ZeroDuration() : absl::Now() - delivery.start;
  Log(LogLevel::kWarning,
      absl::StrCat("notification not delivered after ", delivery.attempts, " attempt(s) in ",
                   absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(1))), ": ",
                   delivery.last_error.empty() ? "no attempt in time" : delivery.last_error),
      Fields(*delivery.notification, *delivery.receiver));
}

NotifierStats Notifier::stats() const {
  absl::MutexLock lock(&mutex_);
  return stats_;
}

bool Notifier::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mutex_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return queue_.empty() && retries_.empty() && in_flight_ == 0;
  };
  while (!idle()) {
    if (changed_.WaitWithDeadline(&mutex_, deadline)) return idle();
  }
  return true;
}

}  // namespace kanarya::notify
