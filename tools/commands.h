// The top-level subcommands of `keyart`, one function per group. Each takes
// the arguments after the group name and returns the exit code (or throws
// UsageError / LedgerError, mapped by run_guarded).
#pragma once

#include "cli.h"

namespace keyart::cli {

int cmd_init(Args args);
int cmd_title(Args args);
int cmd_cast(Args args);
int cmd_experiment(Args args);
int cmd_variant(Args args);
int cmd_extract(Args args);
int cmd_sim(Args args);
int cmd_serve(Args args);
int cmd_train(Args args);
int cmd_report(Args args);
int cmd_import(Args args);
int cmd_ledger(Args args);
int cmd_viewer(Args args);

}  // namespace keyart::cli
