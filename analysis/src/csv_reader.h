// Reads a CSV file record by record with libcsv (RFC 4180: quoted fields
// may hold the delimiter, quotes and line breaks), keeping the line number
// each record starts on for error messages. Spaces around unquoted fields
// are trimmed; blank lines are skipped. A line that is not UTF-8 is refused,
// naming the line, and so is a line longer than max_line_bytes (without its
// line break), before more than that is held in memory. Internal to
// keyart_analysis.
#pragma once

#include <csv.h>

#include <cstdint>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

namespace keyart::analysis {

class CsvReader {
 public:
  // Throws ledger::LedgerError kNotFound when the file cannot be opened.
  CsvReader(const std::string& path, char delimiter, size_t max_line_bytes);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record and the line it starts on; false at the end. Throws
  // ledger::LedgerError kInvalid naming the line for malformed CSV (a stray quote,
  // an unterminated quoted field) and for a line over max_line_bytes.
  bool next(std::vector<std::string>& fields, int64_t& line);

 private:
  static void on_field(void* data, size_t size, void* self);
  static void on_record(int terminator, void* self);
  void feed_line();
  bool read_line(std::string& line);

  std::string path_;
  std::ifstream in_;
  size_t max_line_bytes_;
  std::vector<char> buffer_;  // max_line_bytes_ + 2: the line, one byte over, the terminator
  csv_parser parser_{};
  int64_t lines_read_ = 0;
  int64_t record_start_ = 1;
  bool finished_ = false;
  std::vector<std::string> fields_;
  struct Record {
    std::vector<std::string> fields;
    int64_t line;
  };
  std::deque<Record> ready_;
};

}  // namespace keyart::analysis
