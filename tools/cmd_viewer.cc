// keyart viewer forget: erase a viewer from the ledger (docs/PROFILES.md,
// "Forgetting a viewer").
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "keyart/ledger/forget.h"

namespace keyart::cli {

namespace {

int viewer_forget(Args args) {
  Subcommand cmd("viewer forget", "UNIT [--json]",
                 "Forgets a viewer: deletes its plays and replaces its unit id in every\n"
                 "exposure by a pseudonym (a keyed hash under a key made for this call and\n"
                 "discarded) and rewrites the stored model snapshots without its churn-limit\n"
                 "entries, in one transaction, so reports keep their figures and the\n"
                 "viewer can no longer be found. A running keyart serve drops the viewer's\n"
                 "profile with DELETE /v1/viewers/{unit} instead (it forgets in the ledger\n"
                 "too).");
  cmd.with_db().with_json().positional("unit", 1);
  cmd.add_options()("unit", po::value<std::string>()->required(), "the viewer's unit id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(false);
  const ledger::ForgetResult r = ledger::forget_viewer(ledger, cmd.get<std::string>("unit"));
  if (cmd.json()) {
    std::cout << nlohmann::json{{"exposures", r.exposures}, {"plays", r.plays},
                                {"snapshots", r.snapshots}, {"files_clean", r.files_clean}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "forgot the viewer: " << r.exposures << " exposures now carry a pseudonym, "
              << r.plays << " plays deleted, " << r.snapshots
              << " model snapshots rewritten without it\n";
    if (!r.files_clean) {
      std::cerr << "warning: another process holds the ledger open, so its write-ahead log "
                   "could not be truncated yet; run this again once it is closed\n";
    }
  }
  return kExitOk;
}

}  // namespace

int cmd_viewer(Args args) {
  return dispatch("viewer", {{"forget", "forget a viewer (plays deleted, unit id pseudonymised)",
                              viewer_forget}},
                  args);
}

}  // namespace keyart::cli
