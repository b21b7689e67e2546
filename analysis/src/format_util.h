// Number, time and escaping helpers shared by the report renderings, so a
// value reads the same in every format and an undefined one is never printed
// as NaN. Internal to keyart_analysis.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keyart::analysis {

inline constexpr const char* kNotAvailable = "n/a";

// Fixed digits after the point; "n/a" when not finite.
std::string format_fixed(double x, int digits);
// 0.0512 -> "5.12%"; signed: "+5.12%" / "-5.12%".
std::string format_percent(double x, int digits = 2, bool signed_ = false);
// p-values: "0.0123", "<0.0001", "n/a".
std::string format_p(double p);
// "[lo, hi]".
std::string bracketed(const std::string& lo, const std::string& hi);
// "p = 0.0123", "p < 0.0001", "p = n/a".
std::string p_clause(double p);
// 1234567 -> "1,234,567".
std::string format_count(double n);
// A number for CSV: shortest round-trip text, or "" when not finite.
std::string csv_number(double x);
// A number for JSON: the value, or null when not finite.
nlohmann::json json_number(double x);

// Unix ms as "2026-11-27" and "2026-11-27T10:00:00Z" (UTC).
std::string iso_day(int64_t unix_ms);
std::string iso_time(int64_t unix_ms);

// & < > " ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view text);
// A CSV field, quoted when it holds a comma, quote or line break; a leading
// = + - @ is prefixed with ' so spreadsheets do not run it as a formula.
std::string csv_field(std::string_view text);

}  // namespace keyart::analysis
