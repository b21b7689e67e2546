#include "keyart/serving/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace keyart::serving {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double value) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                 bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(value * 1e6)),
                         std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  Labels labels) {
  std::lock_guard lock(mu_);
  counters_.emplace_back();
  series_.push_back(
      {name, help, "counter", std::move(labels), &counters_.back(), nullptr, {}, {}});
  return counters_.back();
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> upper_bounds, Labels labels) {
  std::lock_guard lock(mu_);
  histograms_.emplace_back(std::move(upper_bounds));
  series_.push_back(
      {name, help, "histogram", std::move(labels), nullptr, &histograms_.back(), {}, {}});
  return histograms_.back();
}

void MetricsRegistry::gauge(const std::string& name, const std::string& help,
                            std::function<double()> read, Labels labels) {
  std::lock_guard lock(mu_);
  series_.push_back(
      {name, help, "gauge", std::move(labels), nullptr, nullptr, std::move(read), {}});
}

void MetricsRegistry::counter_from(const std::string& name, const std::string& help,
                                   std::function<double()> read, Labels labels) {
  std::lock_guard lock(mu_);
  series_.push_back(
      {name, help, "counter", std::move(labels), nullptr, nullptr, {}, std::move(read)});
}

void MetricsRegistry::collect(std::function<void()> before_render) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(before_render));
}

namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra_key = "",
                       const std::string& extra_value = "") {
  Labels all = labels;
  if (!extra_key.empty()) all.emplace_back(extra_key, extra_value);
  if (all.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < all.size(); ++i) {
    out += (i ? "," : "") + all[i].first + "=\"" + escape_label(all[i].second) + "\"";
  }
  return out + "}";
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Whole numbers (counts) in full, as integers; others in their shortest
  // exact spelling.
  if (v == std::trunc(v) && std::abs(v) < 9007199254740992.0) {
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v)).ptr);
  }
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

}  // namespace

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  for (const auto& collect : collectors_) collect();
  // Group by name, keeping first-registration order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Series*>> by_name;
  for (const Series& s : series_) {
    if (!by_name.count(s.name)) order.push_back(s.name);
    by_name[s.name].push_back(&s);
  }
  std::ostringstream out;
  for (const auto& name : order) {
    const auto& group = by_name[name];
    out << "# HELP " << name << " " << group.front()->help << "\n"
        << "# TYPE " << name << " " << group.front()->type << "\n";
    for (const Series* s : group) {
      if (s->counter) {
        out << name << label_text(s->labels) << " " << s->counter->value() << "\n";
      } else if (s->counter_read) {
        out << name << label_text(s->labels) << " " << number(s->counter_read()) << "\n";
      } else if (s->gauge) {
        out << name << label_text(s->labels) << " " << number(s->gauge()) << "\n";
      } else if (s->histogram) {
        Histogram::Snapshot snap = s->histogram->snapshot();
        for (size_t i = 0; i < snap.bounds.size(); ++i) {
          char le[32];
          std::snprintf(le, sizeof le, "%g", snap.bounds[i]);
          out << name << "_bucket" << label_text(s->labels, "le", le) << " "
              << snap.cumulative[i] << "\n";
        }
        out << name << "_bucket" << label_text(s->labels, "le", "+Inf") << " " << snap.count
            << "\n"
            << name << "_sum" << label_text(s->labels) << " " << number(snap.sum) << "\n"
            << name << "_count" << label_text(s->labels) << " " << snap.count << "\n";
      }
    }
  }
  return out.str();
}

}  // namespace keyart::serving
