// Test double: an in-memory mesh of VirtualServices and the routers a rollout
// engine makes for them. Routers behave like the Istio one (the first write
// verifies; a split that differs from what this router last wrote is drift;
// Rollback always restores stable; a fresh router adopts the live split), and
// every call is logged, so tests can assert what was written and that a dry
// run wrote nothing. The mesh outlives its routers. Thread-safe.
#ifndef KANARYA_DAEMON_TESTING_FAKE_TRAFFIC_ROUTER_H_
#define KANARYA_DAEMON_TESTING_FAKE_TRAFFIC_ROUTER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "daemon/mesh/traffic_router.h"
#include "kanarya/v1/rollout.pb.h"

namespace kanarya::testing {

struct RouterCall {
  std::string virtual_service;
  std::string method;  // Verify, SetCanaryWeight, Rollback, PromoteCanary
  int weight = 0;      // SetCanaryWeight's argument
  bool operator==(const RouterCall&) const = default;
};

class FakeMesh {
 public:
  // The router factory the engine takes.
  absl::StatusOr<mesh::TrafficRouterPtr> MakeRouter(const v1::Rollout& rollout);

  // The live split (100/0 for a VirtualService never written).
  mesh::TrafficSplit Split(const std::string& virtual_service) const;
  // Which pods the stable subset selects: "stable", or "canary" after a promotion.
  std::string StablePods(const std::string& virtual_service) const;
  // A human sets the split: routers that wrote before see drift.
  void EditByHand(const std::string& virtual_service, mesh::TrafficSplit split);
  // Verify (and the first write) fails with this status (OK: passes).
  void SetVerifyStatus(absl::Status status);
  // The next `count` write calls fail with `status` and change nothing.
  void FailWrites(int count, absl::Status status);

  std::vector<RouterCall> calls() const;
  // Only SetCanaryWeight, Rollback and PromoteCanary.
  std::vector<RouterCall> writes() const;

 private:
  class Router;
  struct Service {
    mesh::TrafficSplit split;
    std::string stable_pods = "stable";
  };
  // The status a call gets before it acts: a scripted failure or OK.
  absl::Status Begin(const std::string& vs, const char* method, int weight)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  std::map<std::string, Service> services_ ABSL_GUARDED_BY(mutex_);
  std::vector<RouterCall> calls_ ABSL_GUARDED_BY(mutex_);
  absl::Status verify_status_ ABSL_GUARDED_BY(mutex_);
  int failing_writes_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Status write_failure_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace kanarya::testing

#endif  // KANARYA_DAEMON_TESTING_FAKE_TRAFFIC_ROUTER_H_
