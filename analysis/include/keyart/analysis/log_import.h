// Import of external logged bandit data (a CSV file, one logged decision a
// row) into the ledger as a finished experiment (source 'import'), so public
// logged datasets can be analysed with the same reports and off-policy
// evaluation. Columns are mapped to fields with "column=field":
//   timestamp   required: Unix seconds (below 1e11), Unix milliseconds, or an
//               ISO-8601 time ("2019-11-24 00:00:02.25+00:00", "...T...Z")
//   action      required: the action (arm, item) shown; becomes an external
//               variant of the import's title
//   reward      required: a finite number (0 when empty); non-zero values are
//               stored as rewards of the chosen metric
//   propensity  required: the probability the logging policy gave the
//               action, in (0, 1]
//   unit        the viewer; without it every row is its own unit
//   position    the slot the action was shown in (an integer >= 0)
//   candidates  the eligible actions of the row, separated by '|'; without it
//               every action of the file is eligible
//   device, country, hour (0-23): copied to the exposure for segments
//   user        a user (context) feature named after the column
// An extra CSV of action features (--action-features FILE --action-key
// COLUMN) is joined by action id; its other columns become the variant's
// features (numbers in the vector, everything in the JSON record).
//
// Every row is validated first. Malformed rows are reported by line number,
// and nothing is imported unless the whole file is valid, or skip_bad is set
// (then the bad rows are counted and left out). A line longer than
// max_line_bytes refuses the whole file (ledger::LedgerError naming the line). The
// import itself is one transaction: it lands whole or not at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::analysis {

enum class ImportField {
  kTimestamp,
  kAction,
  kReward,
  kPropensity,
  kUnit,
  kPosition,
  kCandidates,
  kDevice,
  kCountry,
  kHour,
  kUser,
};

struct ColumnMapping {
  std::string column;
  ImportField field;
};
// "column=field"; throws ledger::LedgerError kInvalid naming the mistake.
ColumnMapping parse_column_mapping(std::string_view text);

struct ImportOptions {
  std::string csv_path;
  std::vector<ColumnMapping> mappings;
  std::string experiment_id;
  std::string experiment_name;  // default: the file's name
  std::string title_id;         // default: the experiment id (created when new)
  std::string metric = "click";
  std::string action_features_path;  // optional
  std::string action_key_column;     // the action id column of that file
  char delimiter = ',';
  bool skip_bad = false;
  size_t errors_listed = 20;  // how many bad rows to describe
  size_t max_line_bytes = 1 << 20;  // a longer line (in either file) refuses the file
};

struct ImportError {
  int64_t line = 0;
  std::string message;
};

struct ImportResult {
  bool imported = false;
  int64_t rows_read = 0;
  int64_t rows_imported = 0;
  int64_t rows_bad = 0;
  int64_t rewards_written = 0;
  int64_t actions = 0;
  int64_t actions_with_features = 0;
  int64_t first_ts = 0, last_ts = 0;
  std::vector<ImportError> errors;  // the first errors_listed bad rows
};

// Throws ledger::LedgerError for a problem with the whole import (missing file or
// column, unknown mapping, experiment id taken, ...). Bad rows are returned
// in the result instead (imported = false unless skip_bad).
ImportResult import_logs(ledger::Ledger& ledger, const ImportOptions& options);

}  // namespace keyart::analysis
