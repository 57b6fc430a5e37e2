// Test equipment: an emulator of Loki's query API on a free loopback port, for
// the queries Kanarya uses: stream selectors (=, !=, =~, !~), line filters
// (|=, !=, |~, !~), count_over_time, rate, sum / sum by. It answers like Loki:
// streams with nanosecond-string timestamps, matrices without the steps that
// found nothing, vectors, plain-text errors with HTTP 400, and 401 without
// X-Scope-OrgID when tenancy is on. Never product code.
#ifndef KANARYA_TESTS_LAB_LOKI_EMULATOR_H_
#define KANARYA_TESTS_LAB_LOKI_EMULATOR_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace kanarya::lab {

class LokiEmulator {
 public:
  // With multi_tenant, every query needs X-Scope-OrgID and sees that
  // tenant's streams only; otherwise all streams belong to tenant "fake".
  explicit LokiEmulator(bool multi_tenant = false);
  ~LokiEmulator();

  using Labels = std::map<std::string, std::string>;
  void Push(const std::string& tenant, const Labels& stream, absl::Time time, std::string line);

  std::string url() const;

  struct Entry {
    absl::Time time;
    std::string line;
  };
  struct Stream {
    Labels labels;
    std::vector<Entry> entries;  // ascending in time
  };

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  const bool multi_tenant_;
  absl::Mutex mutex_;
  std::map<std::string, std::map<Labels, Stream>> tenants_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace kanarya::lab

#endif  // KANARYA_TESTS_LAB_LOKI_EMULATOR_H_
