// LeaderElector against the lab's Kubernetes API emulator, with short
// timings: lease 2 s, renew deadline 1.2 s, retry 0.25 s.
#include "daemon/kube/leader_elector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "absl/time/clock.h"
#include "tests/lab/kube_api_emulator.h"
#include "tests/lab/kube_token_config.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr absl::Duration kLease = absl::Seconds(2);
constexpr absl::Duration kRenewDeadline = absl::Milliseconds(1200);
constexpr absl::Duration kRetry = absl::Milliseconds(250);

// One replica: its elector and when its callbacks ran.
struct Candidate {
  std::unique_ptr<LeaderElector> elector;
  std::atomic<int64_t> started_ns{0};
  std::atomic<int64_t> stopped_ns{0};
  std::atomic<int> new_leaders_seen{0};
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* token : {"a", "b"}) api_.AddToken(token, true);
  }

  LeaderElectionConfig Config(const std::string& identity) const {
    return {.namespace_name = "kanarya-system",
            .lease_name = "kanaryad",
            .identity = identity,
            .lease_duration = kLease,
            .renew_deadline = kRenewDeadline,
            .retry_period = kRetry};
  }
  // A replica whose requests carry its identity as token (so the emulator
  // can cut it off alone).
  std::unique_ptr<Candidate> Make(const std::string& identity, bool release_on_stop = true) {
    auto candidate = std::make_unique<Candidate>();
    const KubeConfig kube = lab::KubeTokenConfig(api_.url(), identity);
    LeaderElectionConfig config = Config(identity);
    config.release_on_stop = release_on_stop;
    Candidate* c = candidate.get();
    auto elector = LeaderElector::Create(
        kube, config,
        {.started_leading = [c] { c->started_ns = absl::ToUnixNanos(absl::Now()); },
         .stopped_leading = [c] { c->stopped_ns = absl::ToUnixNanos(absl::Now()); },
         .new_leader = [c](const std::string&) { ++c->new_leaders_seen; }});
    EXPECT_TRUE(elector.ok()) << elector.status();
    candidate->elector = std::move(*elector);
    return candidate;
  }
  json Lease() { return api_.Get("coordination.k8s.io", "leases", "kanarya-system", "kanaryad"); }

  // Polls until `done` or `limit` passes; false on timeout.
  static bool Eventually(const std::function<bool()>& done, absl::Duration limit) {
    for (const absl::Time end = absl::Now() + limit; absl::Now() < end;) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return done();
  }

  lab::KubeApiEmulator api_;
};

TEST_F(LeaderElectorTest, AMalformedLeaseIsLeftAloneAndNeverStopsTheProcess) {
  // Fields of the wrong type, as a broken tool might write them.
  KubeClient writer(lab::KubeTokenConfig(api_.url(), "b"));
  const ObjectRef lease{"coordination.k8s.io", "v1", "leases", "kanarya-system", "kanaryad"};
  ASSERT_TRUE(
      writer
          .Create(lease, {{"metadata", {{"name", "kanaryad"}}},
                          {"spec", {{"holderIdentity", 42}, {"leaseDurationSeconds", "2"}}}})
          .ok());
  auto a = Make("a");
  a->elector->Start();
  absl::SleepFor(kRetry * 4);  // several rounds over the malformed lease
  EXPECT_FALSE(a->elector->IsLeader());
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], 42);  // not overwritten
  // Each spec replaces the last in one write: a lease briefly without spec
  // would be free, and the elector right to take it.
  const auto replace_spec = [&](const json& spec) {
    const absl::StatusOr<json> current = writer.Get(lease);
    ASSERT_TRUE(current.ok()) << current.status();
    json patch = spec;
    if (spec.is_object() && current->contains("spec") && (*current)["spec"].is_object()) {
      for (const auto& [key, value] : (*current)["spec"].items()) {
        if (!spec.contains(key)) patch[key] = nullptr;
      }
    }
    ASSERT_TRUE(writer.MergePatch(lease, {{"spec", patch}}).ok());
  };
  for (const json& spec : {json("not an object"), json({{"leaseTransitions", -1}}),
                           json({{"holderIdentity", "b"}, {"leaseDurationSeconds", 1e300}})}) {
    replace_spec(spec);
    absl::SleepFor(kRetry * 2);
    EXPECT_FALSE(a->elector->IsLeader()) << spec;
    EXPECT_EQ(Lease()["spec"], spec);  // not overwritten
  }
  // Once the lease is readable again, the election goes on.
  replace_spec({{"holderIdentity", ""}});
  EXPECT_TRUE(Eventually([&] { return a->elector->IsLeader(); }, kLease * 3));
}

TEST_F(LeaderElectorTest, ConfigurationErrorsNameTheField) {
  KubeConfig kube;
  kube.server = api_.url();
  LeaderElectionConfig config = Config("a");
  config.identity.clear();
  EXPECT_EQ(LeaderElector::Create(kube, config, {}).status().message(), "identity: required");
  config = Config("a");
  config.renew_deadline = kLease;
  EXPECT_THAT(LeaderElector::Create(kube, config, {}).status().message(),
              HasSubstr("lease_duration: must exceed renew_deadline"));
  config = Config("a");
  config.retry_period = absl::Seconds(1);
  EXPECT_THAT(LeaderElector::Create(kube, config, {}).status().message(),
              HasSubstr("renew_deadline: must exceed 1.2 × retry_period"));
  config = Config("a");
  config.lease_duration = absl::Milliseconds(2500);
  EXPECT_EQ(LeaderElector::Create(kube, config, {}).status().message(),
            "lease_duration: must be whole seconds");
}

TEST_F(LeaderElectorTest, TwoCandidatesOneLeaderAndACleanHandOver) {
  auto a = Make("a");
  auto b = Make("b");
  a->elector->Start();
  b->elector->Start();
  ASSERT_TRUE(Eventually([&] { return a->elector->IsLeader() || b->elector->IsLeader(); },
                         absl::Seconds(5)));
  // For a while: never two leaders, and renewals keep one leading for twice
  // the renew deadline, which no single acquisition can (IsLeader needs a
  // renewal within kRenewDeadline). Reigns are timed by the clock, not by
  // counting samples, so a loaded machine that samples less often passes too.
  const Candidate* reigning = nullptr;
  absl::Time reign_start;
  absl::Duration longest_reign;
  for (const absl::Time end = absl::Now() + 2 * kLease;
       absl::Now() < end && longest_reign < 2 * kRenewDeadline;) {
    const absl::Time now = absl::Now();
    const bool a_leads = a->elector->IsLeader();
    const bool b_leads = b->elector->IsLeader();
    ASSERT_FALSE(a_leads && b_leads) << "two leaders";
    const Candidate* leading = a_leads ? a.get() : (b_leads ? b.get() : nullptr);
    if (leading != reigning) {
      reigning = leading;
      reign_start = now;
    }
    if (reigning != nullptr) longest_reign = std::max(longest_reign, now - reign_start);
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_GE(longest_reign, 2 * kRenewDeadline);
  Candidate& leader = a->elector->IsLeader() ? *a : *b;
  Candidate& follower = &leader == a.get() ? *b : *a;
  const std::string leader_name = &leader == a.get() ? "a" : "b";
  json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], leader_name);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 2);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(follower.elector->ObservedHolder(), leader_name);
  const std::string first_acquired = lease["spec"]["acquireTime"];
  EXPECT_EQ(first_acquired.size(), 27u);                  // MicroTime: 2026-11-26T08:00:00.123456Z
  EXPECT_NE(lease["spec"]["renewTime"], first_acquired);  // renewed since

  // A clean stop releases the lease: the follower takes it well before the
  // lease would have run out.
  const absl::Time stop = absl::Now();
  leader.elector->Stop();
  EXPECT_FALSE(leader.elector->IsLeader());
  EXPECT_NE(leader.stopped_ns.load(), 0);
  ASSERT_TRUE(Eventually([&] { return follower.elector->IsLeader(); }, absl::Seconds(3)));
  EXPECT_LT(absl::FromUnixNanos(follower.started_ns) - stop, kLease);
  lease = Lease();
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_NE(lease["spec"]["acquireTime"], first_acquired);
  EXPECT_EQ(lease["spec"]["holderIdentity"], leader_name == "a" ? "b" : "a");
}

TEST_F(LeaderElectorTest, AKilledLeaderIsReplacedOnlyOnceItsLeaseRunsOut) {
  auto a = Make("a", /*release_on_stop=*/false);  // a crash releases nothing
  a->elector->Start();
  ASSERT_TRUE(Eventually([&] { return a->elector->IsLeader(); }, absl::Seconds(3)));
  auto b = Make("b");
  b->elector->Start();
  ASSERT_TRUE(Eventually([&] { return b->elector->ObservedHolder() == "a"; }, absl::Seconds(3)));
  absl::SleepFor(kRetry * 2);
  const absl::Time killed = absl::Now();
  a->elector->Stop();
  ASSERT_TRUE(Eventually([&] { return b->elector->IsLeader(); }, absl::Seconds(6)));
  const absl::Duration takeover = absl::FromUnixNanos(b->started_ns) - killed;
  // a's last renewal was at most a retry period before the kill.
  EXPECT_GE(takeover, kLease - kRetry) << takeover;
  EXPECT_LT(takeover, kLease + 3 * kRetry + absl::Seconds(1)) << takeover;
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "b");
  EXPECT_EQ(Lease()["spec"]["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, APartitionedLeaderStepsDownBeforeTheLeaseCanBeTaken) {
  auto a = Make("a");
  a->elector->Start();
  ASSERT_TRUE(Eventually([&] { return a->elector->IsLeader(); }, absl::Seconds(3)));
  auto b = Make("b");
  b->elector->Start();
  ASSERT_TRUE(Eventually([&] { return b->elector->ObservedHolder() == "a"; }, absl::Seconds(3)));

  ASSERT_TRUE(a->elector->IsLeader());
  const absl::Time cut = absl::Now();
  api_.CutOff("a", true);
  std::optional<absl::Time> b_took_over;
  for (const absl::Time end = cut + absl::Seconds(6); absl::Now() < end && !b_took_over;) {
    const absl::Time now = absl::Now();
    const bool a_leads = a->elector->IsLeader();
    const bool b_leads = b->elector->IsLeader();
    ASSERT_FALSE(a_leads && b_leads) << "two leaders";
    // a renewed within its deadline before the cut, and never since.
    ASSERT_FALSE(a_leads && now > cut + kRenewDeadline) << "a still acts after its deadline";
    if (b_leads) b_took_over = now;
    absl::SleepFor(absl::Milliseconds(2));
  }
  ASSERT_TRUE(b_took_over);
  // b waited out the whole lease from a's last renewal (after cut − deadline).
  EXPECT_GE(*b_took_over - cut, kLease - kRenewDeadline);
  ASSERT_TRUE(Eventually([&] { return a->stopped_ns.load() != 0; }, absl::Seconds(2)));
  EXPECT_LT(a->stopped_ns.load(), b->started_ns.load());

  // Healed, a sees b hold the lease and stays a follower.
  api_.CutOff("a", false);
  ASSERT_TRUE(Eventually([&] { return a->elector->ObservedHolder() == "b"; }, absl::Seconds(3)));
  absl::SleepFor(kLease);
  EXPECT_FALSE(a->elector->IsLeader());
  EXPECT_TRUE(b->elector->IsLeader());
  EXPECT_GE(a->new_leaders_seen.load(), 1);
  EXPECT_EQ(Lease()["spec"]["holderIdentity"], "b");
}

TEST_F(LeaderElectorTest, ExpiryIsJudgedByTheLocalClockNotTheHoldersTimestamps) {
  // A holder whose clock runs an hour behind: its renewTime looks long
  // expired, yet it may be renewing right now.
  const std::string an_hour_ago =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now() - absl::Hours(1), absl::UTCTimeZone());
  ASSERT_TRUE(KubeClient(lab::KubeTokenConfig(api_.url(), "a"))
                  .Create({"coordination.k8s.io", "v1", "leases", "kanarya-system", ""},
                          {{"metadata", {{"name", "kanaryad"}}},
                           {"spec",
                            {{"holderIdentity", "skewed"},
                             {"leaseDurationSeconds", 2},
                             {"acquireTime", an_hour_ago},
                             {"renewTime", an_hour_ago},
                             {"leaseTransitions", 4}}}})
                  .ok());
  auto b = Make("b");
  const absl::Time start = absl::Now();
  b->elector->Start();
  ASSERT_TRUE(Eventually([&] { return b->elector->IsLeader(); }, absl::Seconds(5)));
  EXPECT_GE(absl::FromUnixNanos(b->started_ns) - start, kLease);
  EXPECT_EQ(Lease()["spec"]["leaseTransitions"], 5);
  EXPECT_NE(Lease()["spec"]["acquireTime"], an_hour_ago);
}

}  // namespace
}  // namespace kanarya::kube
