// keyart import logs | dsjson: external logged bandit data into the ledger.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "keyart/analysis/dsjson_import.h"
#include "keyart/analysis/plays_import.h"
#include "keyart/analysis/log_import.h"

namespace keyart::cli {

namespace {

// The options every import takes, and reading them into its options
// (analysis::ImportOptions or DsjsonImportOptions: the same field names).
void add_import_options(Subcommand& cmd) {
  cmd.add_options()("experiment", po::value<std::string>()->required(),
                    "id of the experiment to create")(
      "name", po::value<std::string>()->default_value(""), "its name (default: the file name)")(
      "title", po::value<std::string>()->default_value(""),
      "title the actions belong to (default: the experiment id; created when new)")(
      "metric", po::value<std::string>()->default_value("click"), "reward kind to store")(
      "skip-bad", "leave malformed rows out (counted) instead of refusing the file")(
      "max-line-bytes", po::value<int64_t>()->default_value(1 << 20),
      "refuse the file if a line is longer than this");
}

template <typename Options>
void read_import_options(const Subcommand& cmd, Options& options) {
  options.experiment_id = cmd.get<std::string>("experiment");
  options.experiment_name = cmd.get<std::string>("name");
  options.title_id = cmd.get<std::string>("title");
  options.metric = cmd.get<std::string>("metric");
  options.skip_bad = cmd.has("skip-bad");
  const int64_t max_line = cmd.get<int64_t>("max-line-bytes");
  if (max_line < 1) throw UsageError("--max-line-bytes must be at least 1");
  options.max_line_bytes = static_cast<size_t>(max_line);
}

// When an import refused its file: the malformed rows by line (the first
// the import listed) on stderr, and the error that says nothing was imported.
template <typename Result>
[[noreturn]] void refuse_import(const Result& r, const std::string& path) {
  for (const auto& e : r.errors) std::cerr << path << ": line " << e.line << ": " << e.message << "\n";
  if (r.rows_bad > static_cast<int64_t>(r.errors.size())) {
    std::cerr << "... and " << r.rows_bad - static_cast<int64_t>(r.errors.size())
              << " more malformed rows\n";
  }
  throw CommandError("nothing imported: " + std::to_string(r.rows_bad) + " of " +
                     std::to_string(r.rows_read) + " rows are malformed" +
                     (r.rows_bad < r.rows_read ? " (fix them, or pass --skip-bad to leave them out)"
                                               : ""));
}

// What an import says: JSON (--json) or a line; the bad rows by line and a
// non-zero exit when nothing was imported.
int report_import(Subcommand& cmd, const analysis::ImportResult& r, const std::string& path,
                  const std::string& experiment, const std::string& metric) {
  if (cmd.json()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : r.errors) errors.push_back({{"line", e.line}, {"error", e.message}});
    std::cout << nlohmann::json{{"imported", r.imported},
                                {"experiment", experiment},
                                {"rows_read", r.rows_read},
                                {"rows_imported", r.rows_imported},
                                {"rows_bad", r.rows_bad},
                                {"rewards", r.rewards_written},
                                {"actions", r.actions},
                                {"actions_with_features", r.actions_with_features},
                                {"errors", errors}}
                     .dump(2)
              << "\n";
  }
  if (!r.imported) refuse_import(r, path);
  if (!cmd.json()) {
    std::cout << "imported " << r.rows_imported << " rows (" << r.rewards_written << " "
              << metric << " rewards, " << r.actions << " actions";
    if (r.actions_with_features) std::cout << ", " << r.actions_with_features << " with features";
    std::cout << ") as experiment " << experiment;
    if (r.rows_bad) std::cout << "; left out " << r.rows_bad << " malformed rows";
    std::cout << "\n";
  }
  return kExitOk;
}

int import_logs(Args args) {
  Subcommand cmd(
      "import logs",
      "FILE.csv --experiment ID --map COLUMN=FIELD... [--title ID] [--metric KIND] "
      "[--action-features FILE --action-key COLUMN] [--skip-bad] [--max-line-bytes N]",
      "Imports logged bandit data (one decision a row) as a finished experiment, so\n"
      "'keyart report experiment' and 'keyart report ope' work on it. Fields:\n"
      "timestamp, action, reward, propensity (required); unit, position, candidates\n"
      "('|'-separated actions), device, country, hour, user (a user feature named\n"
      "after the column). Without a unit column each row is its own unit. Every row\n"
      "is checked first: malformed rows are listed by line and nothing is imported\n"
      "unless the whole file is valid (or --skip-bad leaves them out, counted).");
  cmd.with_db().with_json().positional("file", 1);
  cmd.add_options()("file", po::value<std::string>()->required(), "the CSV file (with a header)")(
      "map", po::value<std::vector<std::string>>()->required(),
      "COLUMN=FIELD, e.g. item_id=action (repeat)")(
      "action-features", po::value<std::string>(), "CSV of action features, joined by action id")(
      "action-key", po::value<std::string>()->default_value(""),
      "the action id column of --action-features")(
      "delimiter", po::value<char>()->default_value(','), "field separator");
  add_import_options(cmd);
  if (!cmd.parse(args)) return kExitOk;
  analysis::ImportOptions options;
  options.csv_path = cmd.get<std::string>("file");
  read_import_options(cmd, options);
  options.delimiter = cmd.get<char>("delimiter");
  if (cmd.has("action-features")) {
    options.action_features_path = cmd.get<std::string>("action-features");
    options.action_key_column = cmd.get<std::string>("action-key");
    if (options.action_key_column.empty()) {
      throw UsageError("--action-features needs --action-key COLUMN");
    }
  }
  try {
    for (const auto& m : cmd.list("map")) options.mappings.push_back(analysis::parse_column_mapping(m));
  } catch (const ledger::LedgerError& e) {
    throw UsageError(e.what());
  }

  auto ledger = cmd.open_ledger(false);
  return report_import(cmd, analysis::import_logs(ledger, options), options.csv_path,
                       options.experiment_id, options.metric);
}

int import_dsjson(Args args) {
  Subcommand cmd(
      "import dsjson",
      "FILE.json --experiment ID [--title ID] [--metric KIND] [--unit-feature NAME] [--skip-bad]",
      "Imports a decision-service JSON log (DSJSON, one ranked event a line: what\n"
      "Azure Personalizer and Vowpal Wabbit's decision service exported) as a finished\n"
      "experiment, so 'keyart report experiment' and 'keyart report ope' work on it.\n"
      "Each event's actions become the title's external variants with their features;\n"
      "the reward is minus _label_cost; deferred events count once activated. Event\n"
      "ids map as keyart serve's Personalizer API maps them. Every line is checked\n"
      "first: bad lines are listed and nothing is imported unless all are valid (or\n"
      "--skip-bad leaves them out, counted).");
  cmd.with_db().with_json().positional("file", 1);
  cmd.add_options()("file", po::value<std::string>()->required(), "the DSJSON file")(
      "unit-feature", po::value<std::string>()->default_value(""),
      "the context feature naming the viewer, flattened (e.g. User_id); default: each "
      "event is its own unit");
  add_import_options(cmd);
  if (!cmd.parse(args)) return kExitOk;
  analysis::DsjsonImportOptions options;
  options.path = cmd.get<std::string>("file");
  read_import_options(cmd, options);
  options.unit_feature = cmd.get<std::string>("unit-feature");
  auto ledger = cmd.open_ledger(false);
  return report_import(cmd, analysis::import_dsjson(ledger, options), options.path,
                       options.experiment_id, options.metric);
}

int import_plays(Args args) {
  Subcommand cmd("import plays", "FILE.csv [--skip-bad] [--delimiter C] [--max-line-bytes N]",
                 "Imports viewing history that predates keyart into the ledger's plays, for\n"
                 "the viewer profiles (docs/PROFILES.md). The header names the columns:\n"
                 "unit_id, title_id, ts (Unix seconds or milliseconds, or ISO-8601) required;\n"
                 "seconds and completed (true/false) optional. Every row is checked first:\n"
                 "malformed rows are listed by line and nothing is imported unless the whole\n"
                 "file is valid (or --skip-bad leaves them out, counted).");
  cmd.with_db().with_json().positional("file", 1);
  cmd.add_options()("file", po::value<std::string>()->required(), "the CSV file (with a header)")(
      "delimiter", po::value<char>()->default_value(','), "field separator")(
      "skip-bad", "leave malformed rows out (counted) instead of refusing the file")(
      "max-line-bytes", po::value<int64_t>()->default_value(1 << 20),
      "refuse the file if a line is longer than this");
  if (!cmd.parse(args)) return kExitOk;
  analysis::PlaysImportOptions options;
  options.csv_path = cmd.get<std::string>("file");
  options.delimiter = cmd.get<char>("delimiter");
  options.skip_bad = cmd.has("skip-bad");
  const int64_t max_line = cmd.get<int64_t>("max-line-bytes");
  if (max_line < 1) throw UsageError("--max-line-bytes must be at least 1");
  options.max_line_bytes = static_cast<size_t>(max_line);
  auto ledger = cmd.open_ledger(false);
  const analysis::PlaysImportResult r = analysis::import_plays(ledger, options);
  const bool refused = r.rows_bad > 0 && !options.skip_bad;
  if (cmd.json()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : r.errors) errors.push_back({{"line", e.line}, {"error", e.message}});
    std::cout << nlohmann::json{{"rows_read", r.rows_read}, {"rows_bad", r.rows_bad},
                                {"plays", r.plays_written}, {"viewers", r.viewers},
                                {"titles", r.titles}, {"errors", errors}}
                     .dump(2)
              << "\n";
  }
  if (refused) refuse_import(r, options.csv_path);
  if (!cmd.json()) {
    std::cout << "imported " << r.plays_written << " plays of " << r.viewers << " viewers and "
              << r.titles << " titles";
    if (r.rows_bad) std::cout << "; left out " << r.rows_bad << " malformed rows";
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace

int cmd_import(Args args) {
  return dispatch("import", {{"logs", "import logged bandit data from a CSV file", import_logs},
                             {"dsjson", "import a Personalizer / decision-service JSON log",
                              import_dsjson},
                             {"plays", "import viewing history (plays) from a CSV file",
                              import_plays}},
                  args);
}

}  // namespace keyart::cli
