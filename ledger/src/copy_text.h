// Internal to keyart_ledger. Rows in PostgreSQL's COPY text format (one
// line a row, tab-separated, \N for NULL, backslash escapes, bytea as
// \\x<hex>), built in memory for PostgresDatabase::copy_in; and the one
// decimal spelling of a double both backends' code sends (%.17g: reads back
// to the same bits).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace keyart::ledger {

inline std::string exact_decimal(double value) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.17g", value);
  return std::string(buf, static_cast<size_t>(n));
}

class CopyRows {
 public:
  void field(std::string_view text) {
    separate();
    for (char c : text) {
      switch (c) {
        case '\\': out_ += "\\\\"; break;
        case '\t': out_ += "\\t"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        default: out_ += c;
      }
    }
  }
  void field(const std::optional<std::string>& text) {
    if (text) {
      field(std::string_view(*text));
    } else {
      null();
    }
  }
  void field(int64_t value) {
    separate();
    out_ += std::to_string(value);
  }
  void field(const std::optional<int64_t>& value) {
    if (value) {
      field(*value);
    } else {
      null();
    }
  }
  void field(double value) {
    separate();
    out_ += exact_decimal(value);
  }
  void bytes(std::span<const uint8_t> data) {
    separate();
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += "\\\\x";
    for (uint8_t b : data) {
      out_ += kHex[b >> 4];
      out_ += kHex[b & 15];
    }
  }
  void null() {
    separate();
    out_ += "\\N";
  }
  void end_row() {
    out_ += '\n';
    first_ = true;
    ++rows_;
  }
  const std::string& text() const { return out_; }
  int64_t rows() const { return rows_; }
  void clear() {
    out_.clear();
    first_ = true;
    rows_ = 0;
  }

 private:
  void separate() {
    if (!first_) out_ += '\t';
    first_ = false;
  }
  std::string out_;
  bool first_ = true;
  int64_t rows_ = 0;
};

}  // namespace keyart::ledger
