#include "csv_reader.h"

#include <string_view>

#include "keyart/ledger/errors.h"

namespace keyart::analysis {

namespace {

// Whether text is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF): what the ledger's JSON columns can hold.
bool is_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    unsigned char low = 0x80, high = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // cut short
    for (size_t k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF)) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

CsvReader::CsvReader(const std::string& path, char delimiter, size_t max_line_bytes)
    : path_(path), in_(path, std::ios::binary), max_line_bytes_(max_line_bytes),
      buffer_(max_line_bytes + 2) {
  if (!in_) {
    throw ledger::LedgerError(ledger::ErrorKind::kNotFound,
                      "cannot open '" + path + "' (check the path and its permissions)");
  }
  if (csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    throw ledger::LedgerError(ledger::ErrorKind::kInternal, "cannot start the CSV parser");
  }
  csv_set_delim(&parser_, static_cast<unsigned char>(delimiter));
}

CsvReader::~CsvReader() { csv_free(&parser_); }

void CsvReader::on_field(void* data, size_t size, void* self) {
  auto* reader = static_cast<CsvReader*>(self);
  reader->fields_.emplace_back(static_cast<const char*>(data), size);
}

void CsvReader::on_record(int, void* self) {
  auto* reader = static_cast<CsvReader*>(self);
  reader->ready_.push_back({std::move(reader->fields_), reader->record_start_});
  reader->fields_.clear();
  reader->record_start_ = reader->lines_read_ + 1;
}

// One physical line without its '\n'; false at the end of the file. Reads
// at most max_line_bytes_ + 1 bytes of a line before refusing it.
bool CsvReader::read_line(std::string& line) {
  in_.getline(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  const auto extracted = static_cast<size_t>(in_.gcount());
  if (in_.bad()) throw ledger::LedgerError(ledger::ErrorKind::kIo, "cannot read '" + path_ + "'");
  const bool at_end = in_.eof();
  if (in_.fail() && at_end && extracted == 0) return false;
  // Without eof the line break was extracted (and counted) unless the
  // buffer filled first (failbit): either way the line is too long when
  // more than max_line_bytes_ bytes of it were stored.
  const size_t length = at_end || in_.fail() ? extracted : extracted - 1;
  if (length > max_line_bytes_) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                      path_ + ": line " + std::to_string(lines_read_ + 1) + " is longer than " +
                          std::to_string(max_line_bytes_) +
                          " bytes (a file that is not line-based CSV? else raise --max-line-bytes)");
  }
  line.assign(buffer_.data(), length);
  return true;
}

void CsvReader::feed_line() {
  std::string line;
  if (!read_line(line)) {
    finished_ = true;
    if (csv_fini(&parser_, on_field, on_record, this) != 0) {
      throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                        path_ + ": line " + std::to_string(record_start_) +
                            ": a quoted field is never closed (a missing \")");
    }
    return;
  }
  ++lines_read_;
  // pstate 0 is libcsv's "no row begun": a blank line there lies between
  // records (inside a quoted field it is part of the field).
  if (parser_.pstate == 0 && fields_.empty() &&
      line.find_first_not_of(" \t\r") == std::string::npos) {
    record_start_ = lines_read_ + 1;
    return;
  }
  if (!is_utf8(line)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, path_ + ": line " + std::to_string(lines_read_) +
                                               " is not UTF-8 text (save the file as UTF-8)");
  }
  line.push_back('\n');
  if (csv_parse(&parser_, line.data(), line.size(), on_field, on_record, this) != line.size()) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, path_ + ": line " + std::to_string(lines_read_) +
                                               ": malformed CSV (" +
                                               csv_strerror(csv_error(&parser_)) +
                                               "; quote fields that hold quotes)");
  }
}

bool CsvReader::next(std::vector<std::string>& fields, int64_t& line) {
  while (ready_.empty() && !finished_) feed_line();
  if (ready_.empty()) return false;
  fields = std::move(ready_.front().fields);
  line = ready_.front().line;
  ready_.pop_front();
  return true;
}

}  // namespace keyart::analysis
