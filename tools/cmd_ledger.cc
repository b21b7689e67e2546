// keyart ledger: the ledger's housekeeping: prune old events, copy a whole
// ledger into an empty one (SQLite to PostgreSQL, or back).
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "keyart/ledger/ledger_copy.h"
#include "keyart/ledger/prune.h"

namespace keyart::cli {

namespace {

int prune(Args args) {
  Subcommand cmd("ledger prune", "--before DATE [--db LEDGER]",
                 "Removes every exposure from before DATE (a UTC day, e.g. 2026-01-31) and\n"
                 "the rewards that followed them, in one transaction. On PostgreSQL whole\n"
                 "days go by dropping their partitions. Refused while a running experiment\n"
                 "started before DATE. The catalogue, experiments and snapshots stay.");
  cmd.with_db().with_json();
  cmd.add_options()("before", po::value<std::string>()->required(), "the cut: a UTC date");
  if (!cmd.parse(args)) return kExitOk;
  const int64_t before = parse_time_ms(cmd.get<std::string>("before"), "before");
  ledger::Ledger ledger = cmd.open_ledger(false);
  ledger::PruneResult r = ledger::prune_events_before(ledger, before);
  if (cmd.json()) {
    std::cout << nlohmann::json{{"before", format_time_ms(before)},
                                {"exposures", r.exposures},
                                {"rewards", r.rewards},
                                {"days_dropped", r.days_dropped}}
                     .dump()
              << "\n";
  } else {
    std::cout << "pruned " << r.exposures << " exposures and " << r.rewards
              << " rewards from before " << format_time_ms(before);
    if (ledger::is_server_ledger(ledger.path())) {
      std::cout << " (" << r.days_dropped << " day partitions dropped)";
    }
    std::cout << "\n";
  }
  return kExitOk;
}

int copy(Args args) {
  Subcommand cmd("ledger copy", "--from LEDGER --to LEDGER [--files DIR] [--from-files DIR]",
                 "Copies a whole ledger (catalogue, stored files, experiments, exposures,\n"
                 "rewards, model snapshots) into an empty one, e.g. a SQLite file into a\n"
                 "PostgreSQL database: `keyart ledger copy --from keyart.db --to\n"
                 "postgresql://keyart@db.internal/keyart --files /shared/keyart-files`.\n"
                 "Everything goes in one transaction on the destination and is read back\n"
                 "(row counts and SHA-256 per table) before it commits: an interrupted or\n"
                 "mismatched copy leaves the destination as it was. Refused unless the\n"
                 "destination is empty.");
  cmd.with_json();
  cmd.add_options()("from", po::value<std::string>()->required(), "the source ledger")(
      "to", po::value<std::string>()->required(), "the destination ledger (created if missing)")(
      "files", po::value<std::string>(),
      "the destination's stored-files folder (default: $KEYART_FILES, else beside a SQLite "
      "destination)")("from-files", po::value<std::string>(),
                      "the source's stored-files folder (default: beside a SQLite source)");
  if (!cmd.parse(args)) return kExitOk;
  ledger::LedgerOptions source_options{.read_only = true};
  if (cmd.has("from-files")) source_options.files_dir = cmd.get<std::string>("from-files");
  ledger::Ledger from = ledger::Ledger::open(cmd.get<std::string>("from"), source_options);
  ledger::LedgerOptions target_options;
  if (cmd.has("files")) {
    target_options.files_dir = cmd.get<std::string>("files");
  } else if (const char* env = std::getenv("KEYART_FILES"); env && *env) {
    target_options.files_dir = env;
  }
  ledger::Ledger to = ledger::Ledger::open(cmd.get<std::string>("to"), target_options);

  // Stored files first (content-addressed, so copying twice is harmless): the
  // ledger that names them commits after.
  int64_t files = 0;
  std::filesystem::path source_files;
  try {
    source_files = from.files_dir();
  } catch (const ledger::LedgerError&) {
    // a PostgreSQL source without --from-files: its files stay where they are
  }
  if (!source_files.empty() && std::filesystem::exists(source_files)) {
    files = ledger::copy_stored_files(source_files, to.files_dir());
  }
  auto tables = ledger::copy_ledger(from, to, [&](std::string_view table, int64_t rows) {
    if (!cmd.json()) std::cerr << "copying " << table << ": " << rows << " rows\n";
  });
  if (cmd.json()) {
    nlohmann::json out{{"from", from.path()}, {"to", to.path()}, {"files", files}};
    for (const auto& t : tables) {
      out["tables"].push_back({{"table", t.table}, {"rows", t.rows}, {"sha256", t.sha256}});
    }
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "copied " << from.path() << " into " << to.path() << " (" << files
              << " stored files); every table read back and checked:\n";
    for (const auto& t : tables) {
      std::cout << "  " << t.table << std::string(20 - std::min<size_t>(19, t.table.size()), ' ')
                << t.rows << " rows  sha256 " << t.sha256.substr(0, 16) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

int cmd_ledger(Args args) {
  return dispatch("ledger",
                  {{"prune", "remove the events before a date (both backends)", prune},
                   {"copy", "copy a whole ledger into an empty one (e.g. into PostgreSQL)", copy}},
                  args);
}

}  // namespace keyart::cli
