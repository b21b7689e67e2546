#include "format_util.h"

#include <charconv>
#include <cstdio>
#include <cmath>
#include <ctime>
#include <string>

namespace keyart::analysis {

std::string format_fixed(double x, int digits) {
  if (!std::isfinite(x)) return kNotAvailable;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // "-0.00"
  return s;
}

std::string format_percent(double x, int digits, bool signed_) {
  if (!std::isfinite(x)) return kNotAvailable;
  std::string s = format_fixed(100 * x, digits);
  if (signed_ && s[0] != '-') s.insert(s.begin(), '+');
  return s + "%";
}

std::string format_p(double p) {
  if (!std::isfinite(p)) return kNotAvailable;
  if (p < 0.0001) return "<0.0001";
  return format_fixed(p, 4);
}

std::string p_clause(double p) {
  const std::string text = format_p(p);
  std::string out = "p ";
  if (text[0] == '<') {
    out.append("< ").append(text, 1, std::string::npos);
  } else {
    out.append("= ").append(text);
  }
  return out;
}

std::string bracketed(const std::string& lo, const std::string& hi) {
  // Appends, not operator+: GCC 12 at -O3 misreports "literal" + std::string
  // chains as an overlapping memcpy (-Wrestrict).
  std::string out;
  out.reserve(lo.size() + hi.size() + 4);
  out.append("[").append(lo).append(", ").append(hi).append("]");
  return out;
}

std::string format_count(double n) {
  if (!std::isfinite(n)) return kNotAvailable;
  const bool integral = n == std::floor(n);
  std::string digits = format_fixed(std::fabs(n), integral ? 0 : 2);
  std::string whole = digits.substr(0, digits.find('.'));
  std::string fraction = integral ? "" : digits.substr(digits.find('.'));
  std::string out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  return (n < 0 ? "-" : "") + out + fraction;
}

std::string csv_number(double x) {
  if (!std::isfinite(x)) return "";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, result.ptr);
}

nlohmann::json json_number(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

namespace {

std::string format_utc(int64_t unix_ms, const char* pattern) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000
                                                              : -((-unix_ms + 999) / 1000));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

}  // namespace

std::string iso_day(int64_t unix_ms) { return format_utc(unix_ms, "%Y-%m-%d"); }
std::string iso_time(int64_t unix_ms) { return format_utc(unix_ms, "%Y-%m-%dT%H:%M:%SZ"); }

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string csv_field(std::string_view text) {
  std::string value(text);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value = "'" + value;
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace keyart::analysis
