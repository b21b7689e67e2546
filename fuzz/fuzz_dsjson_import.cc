// Fuzzes `keyart import dsjson` through its real code path: import_dsjson()
// reading a DSJSON file from disk into a real SQLite ledger. The input is
// the file; an odd-sized input imports with skip_bad, and one whose first
// byte is even names the viewer by the context feature "User_id". An import
// either throws LedgerError (a problem with the whole file), or returns a
// result whose counts add up; a refused import must leave the ledger
// without the experiment, and a LedgerError of kind kInternal (validation
// let through a row the ledger then refused) is a finding. Anything else
// (an exception of another kind, a crash) aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "keyart/analysis/dsjson_import.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "import_invariants.h"
#include "scratch_dir.h"

namespace {

using namespace keyart::ledger;
using namespace keyart::analysis;

[[noreturn]] void finding(const std::string& what) {
  keyart::fuzz::import_finding("dsjson import", what);
}

struct Setup {
  std::string dir = keyart::fuzz::scratch_dir().string();
  Ledger ledger = Ledger::open(dir + "/imports.db");
  uint64_t runs = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup setup;
  DsjsonImportOptions options;
  options.experiment_id = "fz" + std::to_string(++setup.runs);
  options.path = setup.dir + "/log.json";
  options.skip_bad = size % 2 == 1;
  if (size > 0 && data[0] % 2 == 0) options.unit_feature = "User_id";
  options.max_line_bytes = 1 << 16;
  {
    std::ofstream out(options.path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) finding("cannot write " + options.path);
  }
  keyart::fuzz::check_import("dsjson import", setup.ledger, options.experiment_id,
                             [&] { return import_dsjson(setup.ledger, options); });
  return 0;
}
