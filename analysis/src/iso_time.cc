#include "keyart/analysis/iso_time.h"

#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>

#include "number_text.h"

namespace keyart::analysis {

std::optional<int64_t> parse_iso_time_ms(std::string_view text) {
  int y, mo, d, h = 0, mi = 0, s = 0, consumed = 0;
  std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  size_t at = static_cast<size_t>(consumed);
  double fraction = 0;
  if (at < t.size() && (t[at] == 'T' || t[at] == ' ')) {
    int used = 0;
    if (std::sscanf(t.c_str() + at + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &used) != 3) return std::nullopt;
    at += 1 + static_cast<size_t>(used);
    if (at < t.size() && t[at] == '.') {
      size_t end = at + 1;
      while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end]))) ++end;
      auto f = parse_number("0" + t.substr(at, end - at));
      if (!f) return std::nullopt;
      fraction = *f;
      at = end;
    }
  }
  int offset_minutes = 0;
  if (at < t.size()) {
    if (t[at] == 'Z' && at + 1 == t.size()) {
      at = t.size();
    } else if ((t[at] == '+' || t[at] == '-') && t.size() - at == 6 && t[at + 3] == ':') {
      auto oh = parse_integer(std::string_view(t).substr(at + 1, 2));
      auto om = parse_integer(std::string_view(t).substr(at + 4, 2));
      if (!oh || !om) return std::nullopt;
      offset_minutes = static_cast<int>((t[at] == '-' ? -1 : 1) * (*oh * 60 + *om));
      at = t.size();
    } else {
      return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_minutes * 60;
  return seconds * 1000 + static_cast<int64_t>(std::llround(fraction * 1000));
}

}  // namespace keyart::analysis
