// What every import fuzz target checks of one import (fuzz_log_import,
// fuzz_dsjson_import): it either throws LedgerError (a problem with the
// whole file) or returns a result whose counts add up; a refused import
// leaves the ledger without its experiment; a LedgerError of kind kInternal
// (validation let through a row the ledger then refused) is a finding.
// Findings abort, with `what` naming the target. ImportFuzzLedger is the
// ledger the imports of one fuzzing process go into.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "keyart/analysis/log_import.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "scratch_dir.h"

namespace keyart::fuzz {

[[noreturn]] inline void import_finding(const char* what, const std::string& problem) {
  std::fprintf(stderr, "%s: %s\n", what, problem.c_str());
  std::abort();
}

// A scratch folder with one ledger; each import gets a fresh experiment id.
struct ImportFuzzLedger {
  std::string dir = scratch_dir().string();
  ledger::Ledger ledger = ledger::Ledger::open(dir + "/imports.db");
  uint64_t runs = 0;
  std::string next_experiment_id() { return "fz" + std::to_string(++runs); }
};

// Writes the input to a file of the scratch folder (a finding if it cannot).
inline void write_input(const char* what, const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) import_finding(what, "cannot write " + path);
}

template <typename Import>
void check_import(const char* what, ledger::Ledger& ledger, const std::string& experiment_id,
                  const Import& import) {
  analysis::ImportResult result;
  try {
    result = import();
  } catch (const ledger::LedgerError& e) {
    if (e.kind() == ledger::ErrorKind::kInternal) {
      import_finding(what, std::string("internal error: ") + e.what());
    }
    if (ledger::find_experiment(ledger, experiment_id)) {
      import_finding(what, "a refused import left experiment " + experiment_id + " behind");
    }
    return;
  }
  if (result.imported ? result.rows_imported + result.rows_bad != result.rows_read
                      : result.rows_imported != 0) {
    import_finding(what, "rows imported + bad != rows read");
  }
  if (result.imported != static_cast<bool>(ledger::find_experiment(ledger, experiment_id))) {
    import_finding(what, "the result's 'imported' disagrees with the ledger");
  }
}

}  // namespace keyart::fuzz
