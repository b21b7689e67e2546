// Process metrics in the Prometheus text exposition format (version 0.0.4).
// Counters and histograms are registered once at start-up and then updated
// lock-free (relaxed atomics) from any thread; gauges, and counters kept
// elsewhere (counter_from), are read through a callback when rendered.
// render() groups series by name with one HELP and TYPE line each; label
// values are escaped as the format requires. Conventions: a counter's name
// ends in _total, durations are in seconds, sizes in bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace keyart::serving {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Cumulative buckets with fixed upper bounds (le), plus sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf last
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> sum_micro_{0};               // sum in millionths
  std::atomic<uint64_t> count_{0};
};

class MetricsRegistry {
 public:
  Counter& counter(const std::string& name, const std::string& help, Labels labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> upper_bounds, Labels labels = {});
  void gauge(const std::string& name, const std::string& help, std::function<double()> read,
             Labels labels = {});
  // A counter kept elsewhere (e.g. in Service::stats()), read when rendered.
  void counter_from(const std::string& name, const std::string& help,
                    std::function<double()> read, Labels labels = {});
  // Runs once at the start of every render(), before any series is read (and
  // under the same lock): where callbacks take one snapshot to read from.
  void collect(std::function<void()> before_render);
  std::string render() const;

 private:
  struct Series {
    std::string name, help, type;
    Labels labels;
    Counter* counter = nullptr;
    Histogram* histogram = nullptr;
    std::function<double()> gauge;
    std::function<double()> counter_read;
  };
  mutable std::mutex mu_;
  std::vector<std::function<void()>> collectors_;
  std::deque<Counter> counters_;  // stable addresses
  std::deque<Histogram> histograms_;
  std::vector<Series> series_;
};

// Registers what every Prometheus client library exports about its process,
// under the same names (process_cpu_seconds_total, process_resident_memory_
// bytes, process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds; read from /proc at each scrape), and
// keyart_build_info{version} 1. Once per registry.
void register_process_metrics(MetricsRegistry& registry);

}  // namespace keyart::serving
