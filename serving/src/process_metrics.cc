// process_* series from /proc/self (Linux), and keyart_build_info.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keyart/serving/metrics.h"

#ifndef KEYART_VERSION
#error "KEYART_VERSION is set by serving/CMakeLists.txt"
#endif

namespace keyart::serving {

namespace {

// The fields of /proc/self/stat after the command name (which may hold
// spaces, so it is skipped up to its closing parenthesis): fields[0] is the
// state (field 3 in proc(5)), so field N is fields[N - 3].
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields;
  size_t close = text.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

double stat_field(int n) {
  auto fields = stat_fields();
  size_t i = static_cast<size_t>(n - 3);
  return i < fields.size() ? std::stod(fields[i]) : 0.0;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

void register_process_metrics(MetricsRegistry& registry) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  registry.gauge("keyart_build_info", "The keyart build serving (always 1)", [] { return 1.0; },
                 {{"version", KEYART_VERSION}});
  registry.counter_from("process_cpu_seconds_total", "User and system CPU time spent, in seconds",
                        [] {
                          rusage u{};
                          getrusage(RUSAGE_SELF, &u);
                          double s = u.ru_utime.tv_sec + u.ru_stime.tv_sec +
                                     (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
                          return s;
                        });
  registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes",
                 [page] { return stat_field(24) * page; });
  registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes",
                 [] { return stat_field(23); });
  registry.gauge("process_open_fds", "Number of open file descriptors", [] {
    std::error_code ec;
    double n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return n;
  });
  registry.gauge("process_max_fds", "Maximum number of open file descriptors", [] {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    return static_cast<double>(limit.rlim_cur);
  });
  const double start = boot_time_seconds() + stat_field(22) / ticks;
  registry.gauge("process_start_time_seconds",
                 "Start time of the process since the Unix epoch, in seconds",
                 [start] { return start; });
}

}  // namespace keyart::serving
