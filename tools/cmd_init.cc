// keyart init: create a ledger, or bring an older one to the current schema.
#include <iostream>

#include "commands.h"

namespace keyart::cli {

int cmd_init(Args args) {
  Subcommand cmd("init", "[--db PATH]",
                 "Creates the ledger file if it does not exist and applies the schema;\n"
                 "an older ledger is migrated to the current schema version.");
  cmd.with_db();
  if (!cmd.parse(args)) return kExitOk;
  ledger::Ledger ledger = cmd.open_ledger(false);
  std::cout << "ledger " << ledger.path() << " ready (schema version " << ledger.schema_version()
            << ")\n";
  return kExitOk;
}

}  // namespace keyart::cli
