#include "analysis_csv_reader.h"

#include "keyart/experiments/errors.h"

namespace keyart::experiments::analysis {

CsvReader::CsvReader(const std::string& path, char delimiter) : path_(path), in_(path) {
  if (!in_) {
    throw LedgerError(ErrorKind::kNotFound,
                      "cannot open '" + path + "' (check the path and its permissions)");
  }
  if (csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    throw LedgerError(ErrorKind::kInternal, "cannot start the CSV parser");
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

void CsvReader::feed_line() {
  std::string line;
  if (!std::getline(in_, line)) {
    if (in_.bad()) throw LedgerError(ErrorKind::kIo, "cannot read '" + path_ + "'");
    finished_ = true;
    if (csv_fini(&parser_, on_field, on_record, this) != 0) {
      throw LedgerError(ErrorKind::kInvalid,
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
  line.push_back('\n');
  if (csv_parse(&parser_, line.data(), line.size(), on_field, on_record, this) != line.size()) {
    throw LedgerError(ErrorKind::kInvalid, path_ + ": line " + std::to_string(lines_read_) +
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

}  // namespace keyart::experiments::analysis
