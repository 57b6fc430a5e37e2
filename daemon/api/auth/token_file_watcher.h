// The token table of a --token_file, kept current without a restart: a
// thread reads the file every `period` and, when its content (by SHA-256)
// changed, parses it and swaps the table in. A file that cannot be read or
// parsed leaves the previous table in force; each outcome is reported once
// through `report` (a reload with its token count, or the error with its
// line numbers and the count kept) — never with a token. Thread-safe.
#ifndef KANARYA_DAEMON_API_AUTH_TOKEN_FILE_WATCHER_H_
#define KANARYA_DAEMON_API_AUTH_TOKEN_FILE_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "daemon/api/auth/token_table.h"

namespace kanarya::auth {

class TokenFileWatcher {
 public:
  enum class Outcome {
    kReloaded,      // a new table is in force
    kKeptPrevious,  // the file could not be read or parsed
  };
  using Report = std::function<void(Outcome outcome, const std::string& message)>;

  // Loads `path` once (InvalidArgument "PATH: ..." naming the bad lines, or
  // that it cannot be read), then watches it.
  static absl::StatusOr<std::unique_ptr<TokenFileWatcher>> Start(std::string path,
                                                                 absl::Duration period,
                                                                 Report report);
  ~TokenFileWatcher();  // stops the thread
  TokenFileWatcher(const TokenFileWatcher&) = delete;
  TokenFileWatcher& operator=(const TokenFileWatcher&) = delete;

  std::shared_ptr<const TokenTable> Current() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  TokenFileWatcher(std::string path, absl::Duration period, Report report);
  // Reads and parses the file unless its content is the last one seen.
  // Returns the error of a new bad content, OK otherwise.
  absl::Status Poll() ABSL_LOCKS_EXCLUDED(mutex_);
  void Run();

  const std::string path_;
  const absl::Duration period_;
  const Report report_;
  std::string last_digest_;  // of the last content seen, good or bad; poller only
  mutable absl::Mutex mutex_;
  std::shared_ptr<const TokenTable> table_ ABSL_GUARDED_BY(mutex_);
  absl::Notification stop_;
  std::thread poller_;
};

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_TOKEN_FILE_WATCHER_H_
