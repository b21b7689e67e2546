// Fuzzes `keyart import logs` through its real code path: import_logs()
// reading CSV files from disk (libcsv) into a real SQLite ledger.
// Input layout (text):
//   line 1   the options, separated by spaces: COLUMN=FIELD mappings (parsed
//            by parse_column_mapping, as --map), "skip-bad", "delim=X" (one
//            character), "key=COLUMN" (the action features' key column)
//   the rest the log CSV; if a line "%%features" appears, what follows it is
//            the action features CSV (--action-features)
// What is checked of each import is fuzz/import_invariants.h's.
#include <cstdint>
#include <string>
#include <string_view>

#include "import_invariants.h"
#include "keyart/analysis/log_import.h"
#include "keyart/ledger/errors.h"

using namespace keyart::ledger;
using namespace keyart::analysis;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static keyart::fuzz::ImportFuzzLedger setup;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view header = input.substr(0, newline);
  std::string_view rest = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  ImportOptions options;
  options.experiment_id = setup.next_experiment_id();
  options.csv_path = setup.dir + "/log.csv";
  std::string features_csv;
  constexpr std::string_view kMarker = "%%features\n";
  if (size_t at = rest.find(kMarker); at != std::string_view::npos &&
                                      (at == 0 || rest[at - 1] == '\n')) {
    features_csv = rest.substr(at + kMarker.size());
    rest = rest.substr(0, at);
    options.action_features_path = setup.dir + "/features.csv";
    options.action_key_column = "id";
  }
  while (!header.empty()) {
    size_t space = header.find(' ');
    std::string_view token = header.substr(0, space);
    header = space == std::string_view::npos ? "" : header.substr(space + 1);
    if (token.empty()) continue;
    if (token == "skip-bad") {
      options.skip_bad = true;
    } else if (token.substr(0, 6) == "delim=" && token.size() == 7) {
      options.delimiter = token[6];
    } else if (token.substr(0, 4) == "key=") {
      options.action_key_column = std::string(token.substr(4));
    } else {
      try {
        options.mappings.push_back(parse_column_mapping(token));
      } catch (const LedgerError&) {
        return 0;  // refused, as --map would be
      }
    }
  }
  keyart::fuzz::write_input("log import", options.csv_path, rest);
  if (!options.action_features_path.empty()) {
    keyart::fuzz::write_input("log import", options.action_features_path, features_csv);
  }

  keyart::fuzz::check_import("log import", setup.ledger, options.experiment_id,
                             [&] { return import_logs(setup.ledger, options); });
  return 0;
}
