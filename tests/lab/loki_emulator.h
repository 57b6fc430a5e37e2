// Test equipment: an emulator of Loki's query API on a free loopback port, for
// the queries Kanarya uses: stream selectors (=, !=, =~, !~), line filters
// (|=, !=, |~, !~), count_over_time, rate, sum / sum by. It answers like Loki:
// streams with nanosecond-string timestamps, matrices without the steps that
// found nothing, vectors, plain-text errors with HTTP 400, and 401 without
// X-Scope-OrgID when tenancy is on. Lines older than the retention (when one
// is set) are forgotten as newer ones arrive. It can be taken down as a
// whole (every query answered 503, as a Loki whose queriers are gone) or
// stop ingesting (lines pushed meanwhile are lost, as when the log shipper
// is cut off). Thread-safe; never product code.
#ifndef KANARYA_TESTS_LAB_LOKI_EMULATOR_H_
#define KANARYA_TESTS_LAB_LOKI_EMULATOR_H_

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/lab/loopback_server.h"

namespace kanarya::lab {

class LokiEmulator {
 public:
  // With multi_tenant, every query needs X-Scope-OrgID and sees that
  // tenant's streams only; otherwise all streams belong to tenant "fake".
  // Serves on `port` (0: a free one; port() is 0 when it cannot be bound).
  explicit LokiEmulator(bool multi_tenant = false, int port = 0);

  using Labels = std::map<std::string, std::string>;
  void Push(const std::string& tenant, const Labels& stream, absl::Time time, std::string line);
  // From now on, a push drops its stream's lines older than `retention`
  // before the newest line (as a Loki retention period would, sooner).
  void SetRetention(absl::Duration retention);
  // false: every query is answered 503 until it is set back.
  void SetServing(bool serving);
  // false: Push() drops the lines until it is set back.
  void SetIngesting(bool ingesting);
  bool serving() const;
  bool ingesting() const;

  std::string url() const { return server_.url(); }
  int port() const { return server_.port(); }

  struct Entry {
    absl::Time time;
    std::string line;
  };
  struct Stream {
    Labels labels;
    std::deque<Entry> entries;  // ascending in time
  };

 private:
  const bool multi_tenant_;
  mutable absl::Mutex mutex_;
  bool serving_ ABSL_GUARDED_BY(mutex_) = true;
  bool ingesting_ ABSL_GUARDED_BY(mutex_) = true;
  absl::Duration retention_ ABSL_GUARDED_BY(mutex_) = absl::InfiniteDuration();
  std::map<std::string, std::map<Labels, Stream>> tenants_ ABSL_GUARDED_BY(mutex_);
  LoopbackServer server_;  // last: stops before the state its handlers use
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_LOKI_EMULATOR_H_
