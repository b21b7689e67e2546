// keyart viewer forget: erase a viewer from the ledger (docs/PROFILES.md,
// "Forgetting a viewer"); keyart viewer population: measure everyone's
// viewing per title again, for fitted profiles ("Fitted tastes").
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/forget.h"
#include "keyart/serving/viewings.h"

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

int viewer_population(Args args) {
  Subcommand cmd("viewer population", "[--profile-half-life D] [--json]",
                 "Measures everyone's viewing per title from the ledger's plays (each viewing\n"
                 "counted once at its heaviest, weighed and decayed as a profile weighs it) and\n"
                 "stores it in one transaction, replacing what was stored: the population that\n"
                 "fitted profiles (keyart serve --profiles --profile-tastes fitted) are fitted\n"
                 "against. Running nodes see it at their next catalogue poll and fit each\n"
                 "viewer again as it is used. Run it as often as the audience's viewing moves\n"
                 "(e.g. daily); it reads every play.");
  const profiles::ProfileOptions defaults;
  cmd.with_db().with_json();
  cmd.add_options()("profile-half-life",
                    po::value<std::string>()->default_value(format_duration_ms(defaults.half_life_ms)),
                    "a viewing counts half as much this much later (as keyart serve's)");
  if (!cmd.parse(args)) return kExitOk;
  profiles::ProfileOptions options;
  options.half_life_ms = parse_duration_ms(cmd.get<std::string>("profile-half-life"), "profile-half-life");
  if (options.half_life_ms < 1) throw UsageError("--profile-half-life must be positive");
  auto ledger = cmd.open_ledger(false);
  const serving::MeasuredViewing measured =
      serving::store_measured_title_viewing(ledger, options, ledger::now_ms());
  size_t watched = 0;
  for (const auto& [title, weight] : measured.viewing.weight) watched += weight > 0;
  if (cmd.json()) {
    std::cout << nlohmann::json{{"plays", measured.plays},
                                {"titles", measured.viewing.weight.size()},
                                {"titles_watched", watched},
                                {"computed_at", measured.viewing.computed_at}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "stored everyone's viewing of " << measured.viewing.weight.size() << " titles ("
              << watched << " watched) from " << measured.plays << " plays\n";
    say_when_serving_sees_it();
  }
  return kExitOk;
}

}  // namespace

int cmd_viewer(Args args) {
  return dispatch("viewer",
                  {{"forget", "forget a viewer (plays deleted, unit id pseudonymised)", viewer_forget},
                   {"population", "measure everyone's viewing per title again (fitted profiles)",
                    viewer_population}},
                  args);
}

}  // namespace keyart::cli
