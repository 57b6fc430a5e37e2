#include "daemon/telemetry/log.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace kanarya::telemetry {
namespace {

constexpr LogLevel kLevels[] = {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                                LogLevel::kError};

std::atomic<LogLevel> current_level{LogLevel::kInfo};
std::atomic<LogFormat> current_format{LogFormat::kText};
std::atomic<std::FILE*> current_stream{nullptr};
ABSL_CONST_INIT absl::Mutex write_mutex(absl::kConstInit);

// Text values with spaces or quotes are quoted so a line splits unambiguously.
std::string TextValue(absl::string_view value) {
  if (!value.empty() && value.find_first_of(" \"=\n") == absl::string_view::npos) {
    return std::string(value);
  }
  return nlohmann::json(std::string(value))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view flag, absl::string_view text) {
  for (LogLevel level : kLevels) {
    if (LogLevelName(level) == text) return level;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": must be one of debug, info, warning, error, got \"", text, "\""));
}

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view flag, absl::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat(flag, ": must be one of text, json, got \"", text, "\""));
}

std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          absl::string_view message, const LogFields& fields) {
  const std::string stamp = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  if (format == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["time"] = stamp;
    line["level"] = LogLevelName(level);
    line["message"] = std::string(message);
    for (const auto& [key, value] : fields) line[key] = value;
    // Invalid UTF-8 (a name from a request, say) is replaced, never thrown on.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // A message may carry a provider's or a caller's text: a line break in it
  // must not start what reads as a line of its own.
  std::string line = absl::StrCat(
      stamp, " ", LogLevelName(level),
      " kanaryad: ", absl::StrReplaceAll(message, {{"\\", "\\\\"}, {"\n", "\\n"}, {"\r", "\\r"}}));
  for (const auto& [key, value] : fields) absl::StrAppend(&line, " ", key, "=", TextValue(value));
  return line;
}

void SetLogFormat(LogFormat format) { current_format.store(format); }
void SetLogLevel(LogLevel level) { current_level.store(level); }
LogLevel GetLogLevel() { return current_level.load(); }
void SetLogStream(std::FILE* stream) { current_stream.store(stream); }

void Log(LogLevel level, absl::string_view message, const LogFields& fields) {
  if (level < current_level.load()) return;
  std::string line = FormatLogLine(current_format.load(), absl::Now(), level, message, fields);
  line.push_back('\n');
  std::FILE* stream = current_stream.load();
  if (stream == nullptr) stream = stderr;
  absl::MutexLock lock(&write_mutex);
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fflush(stream);
}

}  // namespace kanarya::telemetry
