// What /proc says about a process and the machine, for benchmarks: a
// process' CPU time (utime + stime) and memory (VmRSS, VmHWM), the machine's
// busy CPU time over all cores, the load average, and the children of this
// process by command name. Readings of a process that is gone are nullopt.
// Linux only; thread-compatible.
#ifndef KANARYA_BENCH_PROC_STATS_H_
#define KANARYA_BENCH_PROC_STATS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace kanarya::bench {

// CPU seconds the process has used (user + system), from /proc/PID/stat.
std::optional<double> ProcessCpuSeconds(pid_t pid);

struct ProcessMemory {
  double rss_mib = 0;   // VmRSS: resident now
  double peak_mib = 0;  // VmHWM: the peak resident set
};
std::optional<ProcessMemory> ReadProcessMemory(pid_t pid);

// The machine's CPU time since boot, in seconds summed over all cores: busy
// (everything but idle and iowait) and total.
struct MachineCpu {
  double busy = 0;
  double total = 0;
};
MachineCpu ReadMachineCpu();

// /proc/loadavg's first three fields ("1.80 1.40 1.64").
std::string LoadAverage();

// The children of this process whose command (/proc/PID/comm) is `command`.
std::vector<pid_t> ChildProcesses(const std::string& command);

}  // namespace kanarya::bench

#endif  // KANARYA_BENCH_PROC_STATS_H_
