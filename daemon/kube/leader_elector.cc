#include "daemon/kube/leader_elector.h"

#include <cmath>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "daemon/kube/json_fields.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

// client-go waits a jittered retry period between acquisition attempts.
constexpr double kJitterFactor = 1.2;

std::string MicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

absl::Status CheckConfig(const LeaderElectionConfig& c) {
  for (const auto& [field, value] :
       {std::pair{"namespace_name", &c.namespace_name}, std::pair{"lease_name", &c.lease_name},
        std::pair{"identity", &c.identity}}) {
    if (value->empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (c.retry_period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry_period: must be positive");
  }
  if (c.renew_deadline <= c.retry_period * kJitterFactor) {
    return absl::InvalidArgumentError(absl::StrCat("renew_deadline: must exceed ", kJitterFactor,
                                                   " × retry_period (",
                                                   absl::FormatDuration(c.retry_period), ")"));
  }
  if (c.lease_duration <= c.renew_deadline) {
    return absl::InvalidArgumentError(absl::StrCat("lease_duration: must exceed renew_deadline (",
                                                   absl::FormatDuration(c.renew_deadline), ")"));
  }
  if (c.lease_duration % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lease_duration: must be whole seconds");
  }
  return absl::OkStatus();
}

ObjectRef LeaseOf(const LeaderElectionConfig& c) {
  return {"coordination.k8s.io", "v1", "leases", c.namespace_name, c.lease_name};
}

KubeConfig BoundedRequests(KubeConfig kube, absl::Duration bound) {
  kube.request_timeout = std::min(kube.request_timeout, bound);
  return kube;
}

}  // namespace

absl::StatusOr<LeaseRecord> ParseLease(const json& lease) {
  LeaseRecord record;
  absl::StatusOr<json> spec = ObjectField(lease, "", "spec");
  if (!spec.ok()) return spec.status();
  absl::StatusOr<std::string> holder = StringField(*spec, "spec", "holderIdentity");
  if (!holder.ok()) return holder.status();
  absl::StatusOr<int64_t> duration = IntegerField(*spec, "spec", "leaseDurationSeconds");
  if (!duration.ok()) return duration.status();
  if (*duration < 0 || *duration > int64_t{1} << 31) {
    return absl::InvalidArgumentError("spec.leaseDurationSeconds: out of range");
  }
  absl::StatusOr<std::string> acquired = StringField(*spec, "spec", "acquireTime");
  if (!acquired.ok()) return acquired.status();
  absl::StatusOr<int64_t> transitions = IntegerField(*spec, "spec", "leaseTransitions");
  if (!transitions.ok()) return transitions.status();
  if (*transitions < 0 || *transitions >= INT32_MAX) {
    return absl::InvalidArgumentError("spec.leaseTransitions: out of range");
  }
  record.holder = *std::move(holder);
  record.duration_seconds = *duration;
  record.acquire_time = *std::move(acquired);
  record.transitions = *transitions;
  return record;
}

absl::StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(const KubeConfig& kube,
                                                                     LeaderElectionConfig config,
                                                                     LeaderCallbacks callbacks) {
  if (absl::Status s = CheckConfig(config); !s.ok()) return s;
  return std::unique_ptr<LeaderElector>(
      new LeaderElector(kube, std::move(config), std::move(callbacks)));
}

LeaderElector::LeaderElector(const KubeConfig& kube, LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      client_(BoundedRequests(kube, config_.retry_period)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  absl::MutexLock lock(&mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::IsLeader() const {
  absl::MutexLock lock(&mutex_);
  return LeadingAt(absl::Now());
}

std::string LeaderElector::ObservedHolder() const {
  absl::MutexLock lock(&mutex_);
  return StringField(observed_record_, "spec", "holderIdentity").value_or("");
}

bool LeaderElector::LeadingAt(absl::Time now) const {
  return !stopping_ && renewed_at_ && now < *renewed_at_ + config_.renew_deadline;
}

bool LeaderElector::Wait(absl::Duration d) {
  absl::MutexLock lock(&mutex_);
  const auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return stopping_; };
  return !mutex_.AwaitWithTimeout(absl::Condition(&stopping), d);
}

void LeaderElector::Run() {
  absl::BitGen random;
  bool leading = false;
  while (true) {
    TryAcquireOrRenew();
    const bool leading_now = IsLeader();
    if (leading_now != leading) {
      const auto& callback = leading_now ? callbacks_.started_leading : callbacks_.stopped_leading;
      if (callback) callback();
      leading = leading_now;
    }
    const absl::Duration pause =
        leading ? config_.retry_period
                : config_.retry_period * (1 + kJitterFactor * absl::Uniform(random, 0.0, 1.0));
    if (!Wait(pause)) break;
  }
  // Stopping: IsLeader() is already false; tell the owner, then let go.
  if (leading && callbacks_.stopped_leading) callbacks_.stopped_leading();
  if (config_.release_on_stop) Release();
}

void LeaderElector::TryAcquireOrRenew() {
  const absl::Time start = absl::Now();
  const ObjectRef ref = LeaseOf(config_);
  const int lease_seconds = static_cast<int>(absl::ToInt64Seconds(config_.lease_duration));
  json record = {{"holderIdentity", config_.identity},
                 {"leaseDurationSeconds", lease_seconds},
                 {"acquireTime", MicroTime(start)},
                 {"renewTime", MicroTime(start)},
                 {"leaseTransitions", 0}};

  absl::StatusOr<json> lease = client_.Get(ref);
  if (lease.status().code() == absl::StatusCode::kNotFound) {
    const json object = {{"apiVersion", "coordination.k8s.io/v1"},
                         {"kind", "Lease"},
                         {"metadata", {{"name", config_.lease_name}}},
                         {"spec", record}};
    if (client_.Create(ref, object).ok()) Held(record, start);
    return;
  }
  if (!lease.ok()) return;
  absl::StatusOr<LeaseRecord> current = ParseLease(*lease);
  if (!current.ok()) return;  // malformed: never take over what cannot be read
  const json spec = ObjectField(*lease, "", "spec").value_or(json::object());  // checked

  const std::string& holder = current->holder;
  const bool rival = !holder.empty() && holder != config_.identity;
  bool new_rival_seen = false;
  bool rival_holds = false;
  {
    absl::MutexLock lock(&mutex_);
    if (spec != observed_record_) {
      new_rival_seen =
          rival && holder != StringField(observed_record_, "spec", "holderIdentity").value_or("");
      observed_record_ = spec;
      observed_time_ = absl::Now();
    }
    const absl::Duration held_for = absl::Seconds(current->duration_seconds);
    rival_holds = rival && absl::Now() < observed_time_ + held_for;
  }
  if (new_rival_seen && callbacks_.new_leader) callbacks_.new_leader(holder);
  if (rival_holds) return;
  if (holder == config_.identity) {
    record["acquireTime"] =
        current->acquire_time.empty() ? MicroTime(start) : current->acquire_time;
    record["leaseTransitions"] = current->transitions;
  } else {
    record["leaseTransitions"] = current->transitions + 1;
  }
  json updated = *lease;
  updated["spec"] = record;
  if (client_.Update(ref, updated).ok()) Held(record, start);
}

void LeaderElector::Held(const json& record, absl::Time attempt_start) {
  absl::MutexLock lock(&mutex_);
  observed_record_ = record;
  observed_time_ = absl::Now();
  renewed_at_ = attempt_start;
}

void LeaderElector::Release() {
  const ObjectRef ref = LeaseOf(config_);
  absl::StatusOr<json> lease = client_.Get(ref);
  if (!lease.ok()) return;
  absl::StatusOr<LeaseRecord> current = ParseLease(*lease);
  if (!current.ok() || current->holder != config_.identity) return;
  const std::string now = MicroTime(absl::Now());
  json released = *lease;
  released["spec"] = {{"holderIdentity", ""},
                      {"leaseDurationSeconds", 1},
                      {"acquireTime", now},
                      {"renewTime", now},
                      {"leaseTransitions", current->transitions}};
  client_.Update(ref, released).status().IgnoreError();  // at worst the lease expires
}

}  // namespace kanarya::kube
