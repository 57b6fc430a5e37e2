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

}  // namespace

std::vector<Notifier::Target> Notifier::MakeTargets(std::vector<Receiver> receivers) {
  std::vector<Target> targets;
  targets.reserve(receivers.size());
  for (Receiver& receiver : receivers) {
    http::EndpointConfig endpoint;
    endpoint.max_attempts = 1;  // the notifier retries, with its own backoff and bounds
    endpoint.max_response_bytes = 64 << 10;
    targets.push_back({std::move(receiver), std::make_unique<http::HttpClient>(endpoint)});
  }
  return targets;
}

Notifier::Notifier(std::vector<Receiver> receivers, NotifierOptions options)
    : receivers_(MakeTargets(std::move(receivers))), options_(options) {
  if (receivers_.empty()) return;
  for (int i = 0; i < std::max(1, options_.threads); ++i) workers_.emplace_back([this] { Work(); });
}

Notifier::~Notifier() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    stats_.dropped += static_cast<int64_t>(queue_.size());
    if (!queue_.empty()) {
      Log(LogLevel::kWarning,
          absl::StrCat("stopping: ", queue_.size(), " notifications not delivered"));
    }
    queue_.clear();
    changed_.SignalAll();
  }
  for (std::thread& worker : workers_) worker.join();
}

void Notifier::OnCommit(const v1::Rollout& before, const v1::Rollout& after, absl::Time time) {
  if (receivers_.empty()) return;
  if (std::optional<Notification> n = NotificationFor(before, after, time); n.has_value()) {
    Notify(*n);
  }
}

void Notifier::Notify(const Notification& notification) {
  std::shared_ptr<const Notification> shared;
  absl::MutexLock lock(&mutex_);
  for (const Target& target : receivers_) {
    const std::set<NotificationType>& events = target.receiver.events;
    if (!events.empty() && !events.contains(notification.type)) continue;
    if (stopping_ || queue_.size() >= options_.queue_capacity) {
      // Logged at the first drop and then every hundredth: a receiver that
      // is down must not flood the log either.
      if (stats_.dropped++ % 100 == 0) {
        Log(LogLevel::kWarning,
            absl::StrCat("notification queue full (", options_.queue_capacity, "): dropped; ",
                         stats_.dropped, " dropped so far"),
            Fields(notification, target.receiver));
      }
      continue;
    }
    if (shared == nullptr) shared = std::make_shared<const Notification>(notification);
    queue_.push_back({&target, shared, next_id_++});
    ++stats_.queued;
  }
  changed_.SignalAll();
}

void Notifier::Work() {
  while (true) {
    Delivery delivery;
    {
      absl::MutexLock lock(&mutex_);
      while (!stopping_ && queue_.empty()) changed_.Wait(&mutex_);
      if (stopping_) return;
      delivery = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
    }
    const bool delivered = Deliver(delivery);
    absl::MutexLock lock(&mutex_);
    --in_flight_;
    ++(delivered ? stats_.delivered : stats_.failed);
    changed_.SignalAll();
  }
}

bool Notifier::Deliver(const Delivery& delivery) {
  const Receiver& receiver = delivery.target->receiver;
  const Notification& n = *delivery.notification;
  const std::string body = RenderBody(n, receiver.format);
  const absl::Time start = absl::Now();
  const absl::Time give_up = start + receiver.max_delivery_time;
  absl::Duration backoff = receiver.initial_backoff;
  std::string last_error;
  int attempt = 0;
  while (attempt < receiver.max_attempts) {
    const absl::Time now = absl::Now();
    if (now >= give_up) break;
    ++attempt;
    http::HttpRequest request;
    request.method = "POST";
    request.idempotent = false;
    request.url = receiver.url;
    request.body = body;
    request.timeout = std::min(receiver.timeout, give_up - now);
    request.accept_compressed = false;
    request.headers = {{"Content-Type", "application/json"},
                       {"User-Agent", "kanaryad"},
                       {"X-Kanarya-Event", std::string(TypeName(n.type))},
                       {"X-Kanarya-Delivery", absl::StrCat(delivery.id)}};
    if (!receiver.secret.empty()) {
      for (auto& header : SignatureHeaders(receiver.secret, body, absl::Now())) {
        request.headers.push_back(std::move(header));
      }
    }
    absl::StatusOr<http::HttpResponse> response = delivery.target->client->Perform(request);
    {
      absl::MutexLock lock(&mutex_);
      ++stats_.attempts;
    }
    if (response.ok() && response->status >= 200 && response->status < 300) {
      Log(LogLevel::kDebug, absl::StrCat("notification delivered in ", attempt, " attempt(s)"),
          Fields(n, receiver));
      return true;
    }
    // The status code only: curl's messages can carry the URL.
    last_error = response.ok() ? absl::StrCat("HTTP ", response->status)
                               : absl::StatusCodeToString(response.status().code());
    if (response.ok() && !Retryable(response->status)) break;
    if (attempt >= receiver.max_attempts || absl::Now() + backoff >= give_up) break;
    if (!Backoff(backoff)) break;
    backoff = std::min(backoff * 2, receiver.max_backoff);
  }
  Log(LogLevel::kWarning,
      absl::StrCat("notification not delivered after ", attempt, " attempt(s) in ",
                   absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1))),
                   ": ", last_error.empty() ? "no attempt in time" : last_error),
      Fields(n, receiver));
  return false;
}

bool Notifier::Backoff(absl::Duration backoff) {
  const absl::Time until = absl::Now() + backoff;
  absl::MutexLock lock(&mutex_);
  while (!stopping_ && !changed_.WaitWithDeadline(&mutex_, until)) {
  }
  return !stopping_;
}

NotifierStats Notifier::stats() const {
  absl::MutexLock lock(&mutex_);
  return stats_;
}

bool Notifier::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mutex_);
  while (!queue_.empty() || in_flight_ > 0) {
    if (changed_.WaitWithDeadline(&mutex_, deadline)) return queue_.empty() && in_flight_ == 0;
  }
  return true;
}

}  // namespace kanarya::notify
