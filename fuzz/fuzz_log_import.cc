// Fuzzes `keyart import logs` through its real code path: import_logs()
// reading CSV files from disk (libcsv) into a real SQLite ledger.
// Input layout (text):
//   line 1   the options, separated by spaces: COLUMN=FIELD mappings (parsed
//            by parse_column_mapping, as --map), "skip-bad", "delim=X" (one
//            character), "key=COLUMN" (the action features' key column)
//   the rest the log CSV; if a line "%%features" appears, what follows it is
//            the action features CSV (--action-features)
// An import either throws LedgerError (a problem with the whole file), or
// returns a result whose counts add up; a refused import (imported=false or
// an exception) must leave the ledger without the experiment, and a
// LedgerError of kind kInternal (validation let through a row the ledger
// then refused) is a finding. Anything else aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "keyart/analysis/log_import.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "import_invariants.h"
#include "scratch_dir.h"

namespace {

using namespace keyart::ledger;
namespace analysis = keyart::analysis;
using namespace keyart::analysis;

[[noreturn]] void finding(const std::string& what) {
  keyart::fuzz::import_finding("log import", what);
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) finding("cannot write " + path);
}

struct Setup {
  std::string dir = keyart::fuzz::scratch_dir().string();
  Ledger ledger = Ledger::open(dir + "/imports.db");
  uint64_t runs = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup setup;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view header = input.substr(0, newline);
  std::string_view rest = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  ImportOptions options;
  options.experiment_id = "fz" + std::to_string(++setup.runs);
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
  write_file(options.csv_path, rest);
  if (!options.action_features_path.empty()) write_file(options.action_features_path, features_csv);

  keyart::fuzz::check_import("log import", setup.ledger, options.experiment_id,
                             [&] { return import_logs(setup.ledger, options); });
  return 0;
}
