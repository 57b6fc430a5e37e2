#include "daemon/testing/fake_traffic_router.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace kanarya::testing {

class FakeMesh::Router final : public mesh::TrafficRouter {
 public:
  Router(FakeMesh& mesh, std::string vs) : mesh_(mesh), vs_(std::move(vs)) {}

  absl::Status Verify() override {
    absl::MutexLock lock(&mesh_.mutex_);
    mesh_.calls_.push_back({vs_, "Verify", 0});
    return mesh_.verify_status_;
  }
  absl::StatusOr<mesh::TrafficSplit> Read() override {
    absl::MutexLock lock(&mesh_.mutex_);
    return mesh_.services_[vs_].split;
  }
  absl::StatusOr<mesh::TrafficSplit> SetCanaryWeight(int canary_weight) override {
    absl::MutexLock lock(&mesh_.mutex_);
    if (absl::Status s = mesh_.Begin(vs_, "SetCanaryWeight", canary_weight); !s.ok()) return s;
    if (!verified_ && !mesh_.verify_status_.ok()) return mesh_.verify_status_;
    verified_ = true;
    return Write(canary_weight, /*allow_drift=*/false);
  }
  absl::StatusOr<mesh::TrafficSplit> Rollback() override {
    absl::MutexLock lock(&mesh_.mutex_);
    if (absl::Status s = mesh_.Begin(vs_, "Rollback", 0); !s.ok()) return s;
    return Write(0, /*allow_drift=*/true);
  }
  absl::StatusOr<mesh::TrafficSplit> PromoteCanary() override {
    absl::MutexLock lock(&mesh_.mutex_);
    if (absl::Status s = mesh_.Begin(vs_, "PromoteCanary", 0); !s.ok()) return s;
    mesh_.services_[vs_].stable_pods = "canary";
    return Write(0, /*allow_drift=*/false);
  }

 private:
  absl::StatusOr<mesh::TrafficSplit> Write(int canary_weight, bool allow_drift)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mesh_.mutex_) {
    mesh::TrafficSplit& live = mesh_.services_[vs_].split;
    if (!allow_drift && last_written_ && !(live == *last_written_)) {
      return absl::FailedPreconditionError(
          absl::StrCat("drift: VirtualService ", vs_, " is at ", live.stable_weight, "/",
                       live.canary_weight, " but was last set to ", last_written_->stable_weight,
                       "/", last_written_->canary_weight));
    }
    live = {100 - canary_weight, canary_weight};
    last_written_ = live;
    return live;
  }

  FakeMesh& mesh_;
  const std::string vs_;
  bool verified_ = false;
  std::optional<mesh::TrafficSplit> last_written_;
};

absl::StatusOr<mesh::TrafficRouterPtr> FakeMesh::MakeRouter(const v1::Rollout& rollout) {
  return std::make_unique<Router>(*this, rollout.spec().target().virtual_service());
}

absl::Status FakeMesh::Begin(const std::string& vs, const char* method, int weight) {
  calls_.push_back({vs, method, weight});
  if (failing_writes_ == 0) return absl::OkStatus();
  --failing_writes_;
  return write_failure_;
}

mesh::TrafficSplit FakeMesh::Split(const std::string& virtual_service) const {
  absl::MutexLock lock(&mutex_);
  const auto it = services_.find(virtual_service);
  return it == services_.end() ? mesh::TrafficSplit{} : it->second.split;
}

std::string FakeMesh::StablePods(const std::string& virtual_service) const {
  absl::MutexLock lock(&mutex_);
  const auto it = services_.find(virtual_service);
  return it == services_.end() ? "stable" : it->second.stable_pods;
}

void FakeMesh::EditByHand(const std::string& virtual_service, mesh::TrafficSplit split) {
  absl::MutexLock lock(&mutex_);
  services_[virtual_service].split = split;
}

void FakeMesh::SetVerifyStatus(absl::Status status) {
  absl::MutexLock lock(&mutex_);
  verify_status_ = std::move(status);
}

void FakeMesh::FailWrites(int count, absl::Status status) {
  absl::MutexLock lock(&mutex_);
  failing_writes_ = count;
  write_failure_ = std::move(status);
}

std::vector<RouterCall> FakeMesh::calls() const {
  absl::MutexLock lock(&mutex_);
  return calls_;
}

std::vector<RouterCall> FakeMesh::writes() const {
  std::vector<RouterCall> writes;
  for (const RouterCall& call : calls()) {
    if (call.method != "Verify") writes.push_back(call);
  }
  return writes;
}

}  // namespace kanarya::testing
