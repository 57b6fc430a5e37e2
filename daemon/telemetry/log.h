// kanaryad's one logging path: a line per event on stderr, either a JSON
// object {"time","level","message", and "rollout"/"namespace" when the event
// concerns one} or the same as text. The format is set once at start; the
// level can change at any time (SIGUSR1/SIGUSR2 in kanaryad). Thread-safe:
// each line is written whole.
#ifndef KANARYA_DAEMON_TELEMETRY_LOG_H_
#define KANARYA_DAEMON_TELEMETRY_LOG_H_

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kanarya::telemetry {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// "debug", "info", "warning", "error"; InvalidArgument naming `flag` otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view flag, absl::string_view text);
// "text", "json"; InvalidArgument naming `flag` otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view flag, absl::string_view text);
absl::string_view LogLevelName(LogLevel level);

// Extra fields of one line, in order ("rollout", "namespace", ...).
using LogFields = std::vector<std::pair<std::string, std::string>>;

// One line: exposed so the tests check the format without a stream.
std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          absl::string_view message, const LogFields& fields);

void SetLogFormat(LogFormat format);
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Where lines go (stderr unless a test says otherwise); not owned.
void SetLogStream(std::FILE* stream);

// Writes the line when `level` is at or above the current level.
void Log(LogLevel level, absl::string_view message, const LogFields& fields = {});

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_LOG_H_
