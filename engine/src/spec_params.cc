#include "spec_params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace keyart::engine {

std::string format_number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  // Shortest form that round-trips.
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << v;
    if (std::strtod(t.str().c_str(), nullptr) == v) return t.str();
  }
  return s.str();
}

SpecParams::SpecParams(const PolicySpec& spec) : spec_(spec) {}

void SpecParams::fail(const std::string& message) const {
  throw SpecError(message + " in policy spec '" + spec_.text + "'");
}

const std::string* SpecParams::raw(const std::string& key) {
  known_.push_back(key);
  for (const auto& [k, v] : spec_.params) {
    if (k == key) return &v;
  }
  return nullptr;
}

double SpecParams::number(const std::string& key, double fallback, double min, double max,
                          bool max_open) {
  const std::string* v = raw(key);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x)) {
    fail(key + "='" + *v + "' is not a number");
  }
  bool too_big = max_open ? x >= max : x > max;
  if (x < min || too_big) {
    if (min == 0 && std::isinf(max)) fail(key + " must be >= 0 (got " + *v + ")");
    std::string range = "[";
    range.append(format_number(min)).append(", ");
    if (std::isinf(max)) {
      range.append("inf)");
    } else {
      range.append(format_number(max)).append(max_open ? ")" : "]");
    }
    fail(key + " must be in " + range + " (got " + *v + ")");
  }
  return x;
}

int SpecParams::integer(const std::string& key, int fallback, int min, int max) {
  const std::string* v = raw(key);
  if (!v) return fallback;
  char* end = nullptr;
  long x = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0') fail(key + "='" + *v + "' is not an integer");
  if (x < min || x > max) {
    fail(key + " must be in [" + std::to_string(min) + ", " + std::to_string(max) + "] (got " +
         *v + ")");
  }
  return static_cast<int>(x);
}

bool SpecParams::flag(const std::string& key, bool fallback) {
  const std::string* v = raw(key);
  if (!v) return fallback;
  if (*v == "1" || *v == "true" || *v == "on") return true;
  if (*v == "0" || *v == "false" || *v == "off") return false;
  fail(key + "='" + *v + "' must be 1 or 0");
}

std::string SpecParams::text(const std::string& key, const std::string& fallback,
                             const std::vector<std::string>& allowed) {
  const std::string* v = raw(key);
  if (!v) return fallback;
  for (const auto& a : allowed) {
    if (*v == a) return *v;
  }
  std::string list;
  for (const auto& a : allowed) list.append(list.empty() ? "" : ", ").append(a);
  fail(key + "='" + *v + "' must be one of: " + list);
}

LayoutOptions SpecParams::layout() {
  LayoutOptions o;
  o.dim = integer("dim", o.dim, 4, 4096);
  o.blocks = flag("blocks", o.blocks);
  o.user_features = flag("user", o.user_features);
  o.context_features = flag("context", o.context_features);
  o.title_features = flag("title", o.title_features);
  o.variant_features = flag("variant", o.variant_features);
  if (const std::string* v = raw("cross")) {
    // "country*color+device*style"
    size_t pos = 0;
    while (pos <= v->size()) {
      size_t plus = v->find('+', pos);
      std::string item = v->substr(pos, plus == std::string::npos ? std::string::npos : plus - pos);
      size_t star = item.find('*');
      if (star == std::string::npos || star == 0 || star + 1 == item.size()) {
        fail("cross='" + *v + "' must be context*variant pairs joined by '+', e.g. country*color");
      }
      o.crosses.emplace_back(item.substr(0, star), item.substr(star + 1));
      if (plus == std::string::npos) break;
      pos = plus + 1;
    }
  }
  return o;
}

std::string SpecParams::layout_spec(const LayoutOptions& o) {
  std::string s = ",dim=" + std::to_string(o.dim);
  s += ",blocks=" + std::string(o.blocks ? "1" : "0");
  s += ",user=" + std::string(o.user_features ? "1" : "0");
  s += ",context=" + std::string(o.context_features ? "1" : "0");
  s += ",title=" + std::string(o.title_features ? "1" : "0");
  s += ",variant=" + std::string(o.variant_features ? "1" : "0");
  if (!o.crosses.empty()) {
    s += ",cross=";
    for (size_t i = 0; i < o.crosses.size(); ++i) {
      s.append(i ? "+" : "").append(o.crosses[i].first).append("*").append(o.crosses[i].second);
    }
  }
  return s;
}

void SpecParams::finish() {
  for (const auto& [k, v] : spec_.params) {
    bool ok = false;
    for (const auto& known : known_) ok = ok || known == k;
    if (!ok) {
      std::string list;
      for (const auto& known : known_) list.append(list.empty() ? "" : ", ").append(known);
      throw SpecError("unknown parameter '" + k + "' for policy '" + spec_.name +
                      "' in policy spec '" + spec_.text + "' (known: " + list + ")");
    }
  }
}

}  // namespace keyart::engine
