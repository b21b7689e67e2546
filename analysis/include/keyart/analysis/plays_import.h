// keyart import plays: viewing history that predates keyart (docs/PROFILES.md)
// into the ledger's plays, from a CSV file with a header naming the columns
//   unit_id    required: the viewer (1 to 256 bytes)
//   title_id   required: a title in the catalogue
//   ts         required: Unix seconds (below 1e11), Unix milliseconds, or an
//              ISO-8601 time
//   seconds    how long it was watched (a number >= 0; empty: unknown)
//   completed  true/false, 1/0, yes/no (empty: false)
// in any order (other columns are ignored). Every row is checked first;
// malformed rows are reported by line, and nothing is imported unless the
// whole file is valid, or skip_bad is set (then they are counted and left
// out). The plays go in through EventWriter in one transaction: all or
// nothing. Each play's key is ledger::play_key_of(unit, title, ts), so
// importing the same file twice stores the rows twice but the profiles
// count each viewing once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::analysis {

struct PlaysImportOptions {
  std::string csv_path;
  char delimiter = ',';
  bool skip_bad = false;
  size_t max_line_bytes = 1 << 20;
  size_t max_errors_listed = 20;
};

struct PlaysImportResult {
  int64_t rows_read = 0, rows_bad = 0, plays_written = 0;
  int64_t viewers = 0, titles = 0;  // distinct, among the plays written
  struct Error {
    int64_t line = 0;
    std::string message;
  };
  std::vector<Error> errors;  // the first max_errors_listed
};

// Throws ledger::LedgerError for a file that cannot be read or a header
// without a required column.
PlaysImportResult import_plays(ledger::Ledger& ledger, const PlaysImportOptions& options);

}  // namespace keyart::analysis
