// Fuzzes `keyart import dsjson` through its real code path: import_dsjson()
// reading a DSJSON file from disk into a real SQLite ledger. The input is
// the file; an odd-sized input imports with skip_bad, and one whose first
// byte is even names the viewer by the context feature "User_id". What is
// checked of each import is fuzz/import_invariants.h's.
#include <cstdint>
#include <string_view>

#include "import_invariants.h"
#include "keyart/analysis/dsjson_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static keyart::fuzz::ImportFuzzLedger setup;
  keyart::analysis::DsjsonImportOptions options;
  options.experiment_id = setup.next_experiment_id();
  options.path = setup.dir + "/log.json";
  options.skip_bad = size % 2 == 1;
  if (size > 0 && data[0] % 2 == 0) options.unit_feature = "User_id";
  options.max_line_bytes = 1 << 16;
  keyart::fuzz::write_input("dsjson import", options.path,
                            std::string_view(reinterpret_cast<const char*>(data), size));
  keyart::fuzz::check_import("dsjson import", setup.ledger, options.experiment_id,
                             [&] { return keyart::analysis::import_dsjson(setup.ledger, options); });
  return 0;
}
