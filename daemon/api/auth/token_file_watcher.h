// The token table of a --token_file, kept current without a restart: a
// thread reads the file every `period` and applies a changed content (by
// SHA-256) once two polls in a row read it, so a file caught mid-write is not
// taken for another table; a content whose last line lacks its newline is
// refused. Revocation fails closed: a content that does not parse keeps the
// previous table minus every token the file no longer names, and a file that
// cannot be read refuses every token. Each outcome is reported once through
// `report` — never with a token. Replace the file atomically (write, rename).
// Thread-safe.
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
    kKeptPrevious,  // the file could not be parsed: tokens it still names stay
    kRefusedAll,    // the file could not be read: every token is refused
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
  // Reads the file and applies a new content once `confirmed` (the first
  // load) or read by the previous poll too. Returns the error of a new bad
  // content (Unavailable: unreadable), OK otherwise.
  absl::Status Poll(bool confirmed) ABSL_LOCKS_EXCLUDED(mutex_);
  void Replace(std::shared_ptr<const TokenTable> table) ABSL_LOCKS_EXCLUDED(mutex_);
  void Run();

  const std::string path_;
  const absl::Duration period_;
  const Report report_;
  std::string last_digest_;     // of the last content applied, good or bad; poller only
  std::string pending_digest_;  // of a new content read once; poller only
  mutable absl::Mutex mutex_;
  std::shared_ptr<const TokenTable> table_ ABSL_GUARDED_BY(mutex_);
  absl::Notification stop_;
  std::thread poller_;
};

}  // namespace kanarya::auth

#endif  // KANARYA_DAEMON_API_AUTH_TOKEN_FILE_WATCHER_H_
