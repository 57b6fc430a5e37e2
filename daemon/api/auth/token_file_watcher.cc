#include "daemon/api/auth/token_file_watcher.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon/api/auth/token_file.h"

namespace kanarya::auth {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot be read");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::InvalidArgumentError("cannot be read");
  return contents.str();
}

// The digest recorded for a file that cannot be read: never a SHA-256.
constexpr char kUnreadable[] = "unreadable";

}  // namespace

absl::StatusOr<std::unique_ptr<TokenFileWatcher>> TokenFileWatcher::Start(std::string path,
                                                                          absl::Duration period,
                                                                          Report report) {
  std::unique_ptr<TokenFileWatcher> watcher(
      new TokenFileWatcher(std::move(path), period, std::move(report)));
  if (absl::Status loaded = watcher->Poll(/*confirmed=*/true); !loaded.ok()) return loaded;
  watcher->poller_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

TokenFileWatcher::TokenFileWatcher(std::string path, absl::Duration period, Report report)
    : path_(std::move(path)), period_(period), report_(std::move(report)) {}

TokenFileWatcher::~TokenFileWatcher() {
  stop_.Notify();
  if (poller_.joinable()) poller_.join();
}

std::shared_ptr<const TokenTable> TokenFileWatcher::Current() const {
  absl::MutexLock lock(&mutex_);
  return table_;
}

absl::Status TokenFileWatcher::Poll(bool confirmed) {
  absl::StatusOr<std::string> contents = ReadFile(path_);
  if (!contents.ok()) {
    // Deleted or unreadable: no token can be shown to be still granted.
    if (last_digest_ == kUnreadable) return absl::OkStatus();
    last_digest_ = kUnreadable;
    pending_digest_.clear();
    if (confirmed) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": ", contents.status().message()));
    }
    Replace(std::make_shared<const TokenTable>(std::vector<TokenRecord>()));
    return absl::UnavailableError(
        absl::StrCat(path_, ": ", contents.status().message(), "; refusing every token"));
  }
  const std::string digest = Sha256(*contents);
  if (digest == last_digest_) {
    pending_digest_.clear();
    return absl::OkStatus();
  }
  // A file read while it is being written may parse as another valid table:
  // a content counts once two polls in a row read it.
  if (!confirmed && digest != pending_digest_) {
    pending_digest_ = digest;
    return absl::OkStatus();
  }
  last_digest_ = digest;
  pending_digest_.clear();
  if (!confirmed && !contents->empty() && contents->back() != '\n') {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": the last line does not end in a newline (a write in progress?)"));
  }
  absl::StatusOr<std::vector<TokenRecord>> records = ParseTokenFile(*contents);
  if (!records.ok()) {
    // Fail closed: a token the file no longer names is revoked all the same.
    if (const std::shared_ptr<const TokenTable> current = Current(); current != nullptr) {
      Replace(std::make_shared<const TokenTable>(current->Retaining(TokenColumn(*contents))));
    }
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", records.status().message()));
  }
  Replace(std::make_shared<const TokenTable>(*records));
  return absl::OkStatus();
}

void TokenFileWatcher::Replace(std::shared_ptr<const TokenTable> table) {
  absl::MutexLock lock(&mutex_);
  table_ = std::move(table);
}

void TokenFileWatcher::Run() {
  while (!stop_.WaitForNotificationWithTimeout(period_)) {
    const size_t before = Current()->size();
    const std::string digest_before = last_digest_;
    const absl::Status polled = Poll(/*confirmed=*/false);
    const size_t after = Current()->size();
    if (absl::IsUnavailable(polled)) {
      report_(Outcome::kRefusedAll,
              absl::StrCat("--token_file: ", polled.message(), " (", before, " dropped)"));
    } else if (!polled.ok()) {
      report_(Outcome::kKeptPrevious,
              absl::StrCat(
                  "--token_file: ", polled.message(), "; keeping the previous ", after, " token(s)",
                  after < before
                      ? absl::StrCat(" (", before - after, " revoked: no longer in the file)")
                      : ""));
    } else if (last_digest_ != digest_before) {
      report_(Outcome::kReloaded,
              absl::StrCat("--token_file: reloaded ", path_, ": ", after, " token(s)"));
    }
  }
}

}  // namespace kanarya::auth
