#include "daemon/notify/webhook_gates.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon/notify/webhook_format.h"
#include "daemon/notify/webhook_signature.h"

namespace kanarya::notify {
namespace {

using engine::HookPoint;
using engine::HookVerdict;

// A hook that keeps erring is asked at most every 2^5 = 32 checks (ticks).
constexpr int kLongestBackoffExponent = 5;
constexpr size_t kRememberedHooks = 4096;  // beyond it, hooks unused for an hour are forgotten

bool AtPoint(v1::WebhookType type, HookPoint point) {
  switch (point) {
    case HookPoint::kBeforeRollout:
      return type == v1::WEBHOOK_TYPE_PRE_ROLLOUT || type == v1::WEBHOOK_TYPE_CONFIRM_ROLLOUT;
    case HookPoint::kTrafficIncrease:
      return type == v1::WEBHOOK_TYPE_CONFIRM_TRAFFIC_INCREASE;
    case HookPoint::kPromotion:
      return type == v1::WEBHOOK_TYPE_CONFIRM_PROMOTION;
    case HookPoint::kRollback:
      return type == v1::WEBHOOK_TYPE_ROLLBACK;
  }
  return false;
}

// A hook's answers count for its rollout's attempt; a traffic gate's for
// one step only.
std::string KeyOf(const v1::Rollout& rollout, const v1::Webhook& hook) {
  std::string key = absl::StrCat(rollout.name(), "/", rollout.status().attempt(), "/", hook.name());
  if (hook.type() == v1::WEBHOOK_TYPE_CONFIRM_TRAFFIC_INCREASE) {
    absl::StrAppend(&key, "/", rollout.status().step_index());
  }
  return key;
}

std::string Describe(const v1::Webhook& hook) {
  return absl::StrCat("the ", HookTypeName(hook.type()), " webhook \"", hook.name(), "\"");
}

}  // namespace

WebhookGates::WebhookGates(WebhookGatesOptions options)
    : options_(std::move(options)), client_(http::EndpointConfig{.max_attempts = 1}) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) workers_.emplace_back([this] { Work(); });
}

WebhookGates::~WebhookGates() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    queue_.clear();
    changed_.SignalAll();
  }
  for (std::thread& worker : workers_) worker.join();
}

HookVerdict WebhookGates::Check(const v1::Rollout& rollout, HookPoint point) {
  absl::MutexLock lock(&mutex_);
  if (hooks_.size() > kRememberedHooks) Forget();
  std::string waiting;
  std::vector<HookState*> passes;
  for (const v1::Webhook& hook : rollout.spec().webhooks()) {
    if (!AtPoint(hook.type(), point)) continue;
    HookState& state = hooks_[KeyOf(rollout, hook)];
    state.used = absl::Now();
    if (point == HookPoint::kRollback) {
      if (state.passed) {
        return {HookVerdict::Kind::kRollBack,
                absl::StrCat(Describe(hook), " asked for a rollback (", state.last, ")")};
      }
      Ask(KeyOf(rollout, hook), state, rollout, hook);
      continue;
    }
    if (state.passed) {
      passes.push_back(&state);
      continue;
    }
    if (hook.type() == v1::WEBHOOK_TYPE_PRE_ROLLOUT &&
        state.failures >= options_.pre_rollout_failures) {
      return {HookVerdict::Kind::kFail, absl::StrCat(Describe(hook), " failed ", state.failures,
                                                     " times in a row (last: ", state.last, ")")};
    }
    Ask(KeyOf(rollout, hook), state, rollout, hook);
    if (waiting.empty()) {
      waiting =
          absl::StrCat("waiting for ", Describe(hook), " to answer 2xx (last: ", state.last, ")");
    }
  }
  if (!waiting.empty()) return {HookVerdict::Kind::kWait, std::move(waiting)};
  for (HookState* pass : passes) pass->passed = false;  // used by the move they allow
  return {};
}

void WebhookGates::Withdraw(const v1::Rollout& rollout, HookPoint point) {
  absl::MutexLock lock(&mutex_);
  for (const v1::Webhook& hook : rollout.spec().webhooks()) {
    if (!AtPoint(hook.type(), point)) continue;
    const auto it = hooks_.find(KeyOf(rollout, hook));
    if (it == hooks_.end()) continue;
    it->second.passed = false;
    ++it->second.generation;
  }
}

void WebhookGates::Ask(const std::string& key, HookState& state, const v1::Rollout& rollout,
                       const v1::Webhook& hook) {
  if (state.in_flight || stopping_ || queue_.size() >= options_.queue_capacity) return;
  if (state.checks_to_skip > 0) {
    --state.checks_to_skip;
    return;
  }
  state.in_flight = true;
  queue_.push_back({key, state.generation, rollout.spec().target().namespace_(), rollout.name(),
                    hook.url(), RenderHookBody(rollout, hook, absl::Now()),
                    hook.has_timeout() ? absl::Seconds(hook.timeout().seconds()) +
                                             absl::Nanoseconds(hook.timeout().nanos())
                                       : options_.default_timeout});
  changed_.SignalAll();
}

void WebhookGates::Forget() {
  const absl::Time old = absl::Now() - absl::Hours(1);
  for (auto it = hooks_.begin(); it != hooks_.end();) {
    it = !it->second.in_flight && it->second.used < old ? hooks_.erase(it) : std::next(it);
  }
}

void WebhookGates::Work() {
  while (true) {
    Call call;
    {
      absl::MutexLock lock(&mutex_);
      while (!stopping_ && queue_.empty()) changed_.Wait(&mutex_);
      if (stopping_) return;
      call = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
    }
    http::HttpRequest request;
    request.method = "POST";
    request.idempotent = false;
    request.url = call.url;
    request.body = call.body;
    request.timeout = call.timeout;
    request.accept_compressed = false;
    request.headers = {{"Content-Type", "application/json"}, {"User-Agent", "kanaryad"}};
    if (!options_.secret.empty()) {
      for (auto& header : HookSignatureHeaders(options_.secret, call.namespace_name,
                                               call.rollout_name, call.body, absl::Now())) {
        request.headers.push_back(std::move(header));
      }
    }
    const absl::StatusOr<http::HttpResponse> response = client_.Perform(request);
    absl::MutexLock lock(&mutex_);
    --in_flight_;
    ++sent_;
    HookState& state = hooks_[call.key];
    state.in_flight = false;
    if (state.generation == call.generation) Record(state, response);
    changed_.SignalAll();
  }
}

void WebhookGates::Record(HookState& state, const absl::StatusOr<http::HttpResponse>& response) {
  // The status code only: curl's messages can carry the URL.
  state.last = response.ok() ? absl::StrCat("HTTP ", response->status)
                             : absl::StatusCodeToString(response.status().code());
  const int status = response.ok() ? response->status : 0;
  if (status >= 200 && status < 300) {
    state.passed = true;
    state.failures = 0;
  } else {
    ++state.failures;
  }
  if (status == 0 || status == 429 || status >= 500) {
    ++state.errors;
    state.checks_to_skip = (1 << std::min(state.errors - 1, kLongestBackoffExponent)) - 1;
  } else {
    state.errors = 0;
  }
}

bool WebhookGates::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mutex_);
  while (!queue_.empty() || in_flight_ > 0) {
    if (changed_.WaitWithDeadline(&mutex_, deadline)) return queue_.empty() && in_flight_ == 0;
  }
  return true;
}

int64_t WebhookGates::requests_sent() const {
  absl::MutexLock lock(&mutex_);
  return sent_;
}

}  // namespace kanarya::notify
