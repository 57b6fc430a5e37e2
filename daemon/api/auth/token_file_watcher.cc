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

}  // namespace

absl::StatusOr<std::unique_ptr<TokenFileWatcher>> TokenFileWatcher::Start(std::string path,
                                                                          absl::Duration period,
                                                                          Report report) {
  std::unique_ptr<TokenFileWatcher> watcher(
      new TokenFileWatcher(std::move(path), period, std::move(report)));
  if (absl::Status loaded = watcher->Poll(); !loaded.ok()) return loaded;
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

absl::Status TokenFileWatcher::Poll() {
  absl::StatusOr<std::string> contents = ReadFile(path_);
  const std::string digest =
      contents.ok() ? Sha256(*contents) : std::string(contents.status().message());
  if (digest == last_digest_) return absl::OkStatus();
  last_digest_ = digest;
  absl::StatusOr<std::vector<TokenRecord>> records =
      contents.ok() ? ParseTokenFile(*contents) : contents.status();
  if (!records.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", records.status().message()));
  }
  auto table = std::make_shared<const TokenTable>(*records);
  absl::MutexLock lock(&mutex_);
  table_ = std::move(table);
  return absl::OkStatus();
}

void TokenFileWatcher::Run() {
  while (!stop_.WaitForNotificationWithTimeout(period_)) {
    const size_t before = Current()->size();
    const std::string digest_before = last_digest_;
    const absl::Status polled = Poll();
    if (!polled.ok()) {
      report_(Outcome::kKeptPrevious, absl::StrCat("--token_file: ", polled.message(),
                                                   "; keeping the previous ", before, " token(s)"));
    } else if (last_digest_ != digest_before) {
      report_(Outcome::kReloaded,
              absl::StrCat("--token_file: reloaded ", path_, ": ", Current()->size(), " token(s)"));
    }
  }
}

}  // namespace kanarya::auth
