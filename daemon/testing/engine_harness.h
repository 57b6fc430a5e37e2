// Test support: a RolloutEngine wired to the doubles (virtual clock,
// in-memory store or a given one behind a crash switch, scripted Prometheus,
// in-memory mesh), a driver that runs it the way the daemon's loop does, on
// the virtual clock, and a restart. Header-only: the tests that include it
// link kanarya_engine.
#ifndef KANARYA_DAEMON_TESTING_ENGINE_HARNESS_H_
#define KANARYA_DAEMON_TESTING_ENGINE_HARNESS_H_

#include <functional>
#include <memory>
#include <string>

#include "daemon/engine/rollout_engine.h"
#include "daemon/engine/virtual_clock.h"
#include "daemon/store/memory_state_store.h"
#include "daemon/testing/canary_traffic.h"
#include "daemon/testing/crashing_state_store.h"
#include "daemon/testing/fake_metric_provider.h"
#include "daemon/testing/fake_traffic_router.h"

namespace kanarya::testing {

class EngineHarness {
 public:
  // On the in-memory store.
  explicit EngineHarness(const CanaryTraffic& traffic = {})
      : EngineHarness(traffic, std::make_unique<store::MemoryStateStore>()) {}
  // On `data` (SQLite, say).
  EngineHarness(const CanaryTraffic& traffic, store::StateStorePtr data)
      : durable(std::move(data)),
        store(*durable),
        prometheus(MakeResponder(traffic)),
        engine(MakeEngine()) {}

  // The daemon dies and starts again: the engine is destroyed, the store
  // closed and, when `reopen` is given, the data opened anew through it;
  // the crash switch is cleared and a new engine made (not yet recovered).
  void Restart(const std::function<store::StateStorePtr()>& reopen = nullptr) {
    engine.reset();
    if (reopen) {
      durable.reset();
      durable = reopen();
      store.Replace(*durable);
    }
    store.CrashAfter(std::nullopt);
    engine = MakeEngine();
  }

  std::unique_ptr<engine::RolloutEngine> MakeEngine() {
    return std::make_unique<engine::RolloutEngine>(
        clock, store,
        [this](const std::string& name) -> metrics::MetricProvider* {
          return name == "prometheus" ? &prometheus : nullptr;
        },
        [this](const v1::Rollout& rollout) { return mesh.MakeRouter(rollout); }, options);
  }

  absl::StatusOr<std::string> Start(const v1::RolloutSpec& spec,
                                    const engine::Caller& caller = {"ci", "pipeline"}) {
    v1::CreateRolloutRequest request;
    *request.mutable_spec() = spec;
    absl::StatusOr<v1::CreateRolloutResponse> created = engine->Create(request, caller);
    if (!created.ok()) return created.status();
    return created->rollout().name();
  }

  v1::Rollout Current(const std::string& name) {
    v1::GetRolloutRequest request;
    request.set_name(name);
    return engine->Get(request)->rollout();
  }

  std::vector<v1::RolloutEvent> Events(const std::string& name) {
    std::vector<v1::RolloutEvent> events;
    for (int page = 0; page < 1000; ++page) {  // a store returns at most 1000 at a time
      const int64_t after = events.empty() ? 0 : events.back().sequence();
      absl::StatusOr<std::vector<v1::RolloutEvent>> more = store.ListEvents(name, after, 1000);
      if (!more.ok() || more->empty()) break;
      events.insert(events.end(), more->begin(), more->end());
    }
    return events;
  }
  std::vector<v1::Tick> Ticks(const std::string& name, int32_t attempt = 0) {
    return store.ListTicks(name, attempt).value_or(std::vector<v1::Tick>{});
  }

  // Runs the engine as the daemon does until `done` holds for the rollout,
  // or the virtual clock passes `limit` (from now), or nothing is due.
  v1::Rollout RunUntil(const std::string& name, const std::function<bool(const v1::Rollout&)>& done,
                       absl::Duration limit = absl::Hours(3)) {
    const absl::Time end = clock.Now() + limit;
    for (int i = 0; i < 200'000; ++i) {
      const absl::Time next = engine->RunDue();
      v1::Rollout rollout = Current(name);
      if (done(rollout) || next > end) return rollout;
      clock.AdvanceTo(next);
    }
    return Current(name);
  }
  v1::Rollout RunToPhase(const std::string& name, v1::Phase phase,
                         absl::Duration limit = absl::Hours(3)) {
    return RunUntil(
        name, [phase](const v1::Rollout& r) { return r.status().phase() == phase; }, limit);
  }
  v1::Rollout RunToEnd(const std::string& name, absl::Duration limit = absl::Hours(3)) {
    return RunUntil(
        name,
        [](const v1::Rollout& r) {
          return engine::IsFinal(r.status().phase()) && r.status().intent_applied();
        },
        limit);
  }

  engine::VirtualClock clock;
  engine::EngineOptions options;  // for the engines MakeEngine makes from then on
  store::StateStorePtr durable;   // the data
  CrashingStateStore store;       // what the engine uses: `durable` behind a crash switch
  FakeMesh mesh;
  FakeMetricProvider prometheus;
  std::unique_ptr<engine::RolloutEngine> engine;
};

}  // namespace kanarya::testing

#endif  // KANARYA_DAEMON_TESTING_ENGINE_HARNESS_H_
