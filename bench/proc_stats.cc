#include "bench/proc_stats.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kanarya::bench {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// The fields of /proc/PID/stat after the command (which may hold spaces and
// parentheses): [0] is the state, field N of proc(5) is [N - 3].
std::optional<std::vector<std::string>> StatFields(pid_t pid) {
  const std::optional<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat) return std::nullopt;
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  return absl::StrSplit(absl::string_view(*stat).substr(close + 2), ' ', absl::SkipEmpty());
}

}  // namespace

std::optional<double> ProcessCpuSeconds(pid_t pid) {
  const std::optional<std::vector<std::string>> fields = StatFields(pid);
  int64_t utime = 0;
  int64_t stime = 0;
  // utime and stime are fields 14 and 15, in clock ticks.
  if (!fields || fields->size() < 13 || !absl::SimpleAtoi((*fields)[11], &utime) ||
      !absl::SimpleAtoi((*fields)[12], &stime)) {
    return std::nullopt;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<ProcessMemory> ReadProcessMemory(pid_t pid) {
  const std::optional<std::string> status = ReadFile(absl::StrCat("/proc/", pid, "/status"));
  if (!status) return std::nullopt;
  ProcessMemory memory;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    for (const auto& [key, field] :
         {std::pair{"VmRSS:", &memory.rss_mib}, std::pair{"VmHWM:", &memory.peak_mib}}) {
      if (absl::ConsumePrefix(&line, key)) {
        *field = std::atof(std::string(line).c_str()) / 1024.0;  // "  1234 kB"
      }
    }
  }
  return memory;
}

MachineCpu ReadMachineCpu() {
  MachineCpu cpu;
  const std::optional<std::string> stat = ReadFile("/proc/stat");
  if (!stat) return cpu;
  // "cpu  user nice system idle iowait irq softirq steal ..."
  const std::vector<std::string> fields =
      absl::StrSplit(stat->substr(0, stat->find('\n')), ' ', absl::SkipEmpty());
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (size_t i = 1; i < fields.size() && i <= 8; ++i) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(fields[i], &value)) continue;
    cpu.total += static_cast<double>(value) / tick;
    if (i != 4 && i != 5) cpu.busy += static_cast<double>(value) / tick;
  }
  return cpu;
}

std::string LoadAverage() {
  const std::optional<std::string> load = ReadFile("/proc/loadavg");
  if (!load) return "?";
  const std::vector<std::string> fields = absl::StrSplit(*load, ' ');
  return fields.size() >= 3 ? absl::StrCat(fields[0], " ", fields[1], " ", fields[2]) : "?";
}

std::vector<pid_t> ChildProcesses(const std::string& command) {
  std::vector<pid_t> children;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    const std::optional<std::string> comm = ReadFile(absl::StrCat("/proc/", pid, "/comm"));
    if (!comm || absl::StripTrailingAsciiWhitespace(*comm) != command) continue;
    const std::optional<std::vector<std::string>> fields = StatFields(pid);
    pid_t parent = 0;  // field 4
    if (fields && fields->size() > 1 && absl::SimpleAtoi((*fields)[1], &parent) &&
        parent == getpid()) {
      children.push_back(pid);
    }
  }
  return children;
}

}  // namespace kanarya::bench
