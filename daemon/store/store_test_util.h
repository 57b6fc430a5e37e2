// Equipment for the state store's tests and benchmark: a temporary data
// directory removed at the end of its scope, and realistic rollouts, events
// and ticks. Aborts when the temporary directory cannot be made.
#ifndef KANARYA_DAEMON_STORE_STORE_TEST_UTIL_H_
#define KANARYA_DAEMON_STORE_STORE_TEST_UTIL_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "kanarya/v1/rollout.pb.h"

namespace kanarya::store::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with its contents.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kanarya-store-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A rollout as the engine stores it after creation: a full target, steps
// and three metrics, so the stored blobs have a realistic size.
inline v1::Rollout MakeRollout(const std::string& name, const std::string& namespace_name = "shop",
                               const std::string& virtual_service = "checkout",
                               const std::string& revision = "v2",
                               v1::Phase phase = v1::PHASE_PROGRESSING) {
  v1::Rollout rollout;
  rollout.set_name(name);
  rollout.set_created_by("pipeline@ci");
  rollout.mutable_create_time()->set_seconds(1'790'000'000);
  v1::RolloutSpec& spec = *rollout.mutable_spec();
  spec.set_revision(revision);
  v1::RolloutTarget& target = *spec.mutable_target();
  target.set_namespace_(namespace_name);
  target.set_virtual_service(virtual_service);
  target.set_route("primary");
  target.mutable_stable()->set_host("checkout.shop.svc.cluster.local");
  target.mutable_stable()->set_subset("stable");
  target.mutable_canary()->set_subset("canary");
  target.set_destination_rule("checkout");
  spec.mutable_scopes()->mutable_baseline()->set_workload("checkout");
  spec.mutable_scopes()->mutable_baseline()->set_version("v1");
  spec.mutable_scopes()->mutable_canary()->set_workload("checkout-canary");
  spec.mutable_scopes()->mutable_canary()->set_version(revision);
  spec.mutable_steps()->set_step_weight(10);
  spec.mutable_steps()->set_max_weight(50);
  for (const char* metric : {"error_ratio", "latency_p99", "log_errors"}) {
    v1::MetricSpec& added = *spec.mutable_analysis()->add_metrics();
    added.set_name(metric);
    added.mutable_source()->set_provider("prometheus");
    added.mutable_source()->set_events_query(
        "sum(increase(http_requests_total{namespace=\"{{namespace}}\",version=\"{{version}}\","
        "code=~\"5..\"}[{{window}}]))");
    added.mutable_source()->set_total_query(
        "sum(increase(http_requests_total{namespace=\"{{namespace}}\","
        "version=\"{{version}}\"}[{{window}}]))");
  }
  v1::RolloutStatus& status = *rollout.mutable_status();
  status.set_phase(phase);
  status.set_step_index(1);
  status.set_canary_weight(20);
  status.set_reason("step 1 of 5");
  status.set_attempt(0);
  return rollout;
}

inline v1::RolloutEvent MakeEvent(const std::string& message) {
  v1::RolloutEvent event;
  event.set_type(v1::EVENT_TYPE_ANALYSIS);
  event.mutable_time()->set_seconds(1'790'000'100);
  event.set_phase_before(v1::PHASE_PROGRESSING);
  event.set_phase_after(v1::PHASE_PROGRESSING);
  event.set_canary_weight(20);
  event.set_message(message);
  return event;
}

inline v1::Tick MakeTick(double canary_weight) {
  v1::Tick tick;
  tick.mutable_time()->set_seconds(1'790'000'100);
  tick.set_canary_weight(canary_weight);
  v1::Observation& errors = (*tick.mutable_metrics())["error_ratio"];
  errors.set_baseline_events(3);
  errors.set_baseline_total(1200);
  errors.set_canary_events(1);
  errors.set_canary_total(300);
  v1::Observation& latency = (*tick.mutable_metrics())["latency_p99"];
  for (double value : {0.120, 0.135, 0.128}) latency.add_baseline(value);
  for (double value : {0.131, 0.119}) latency.add_canary(value);
  return tick;
}

}  // namespace kanarya::store::testing

#endif  // KANARYA_DAEMON_STORE_STORE_TEST_UTIL_H_
