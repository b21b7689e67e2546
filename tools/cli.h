// Shared plumbing for the keyart subcommands: option parsing with --help,
// the ledger (--db, else $KEYART_DB, else ./keyart.db: a SQLite path or a
// postgresql:// URI) and its files folder (--files, else $KEYART_FILES), exit codes
// (0 ok, 1 runtime error, 2 usage error) and one-line error messages on
// stderr. Each subcommand group lives in its own cmd_<group>.cc.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::cli {

namespace po = boost::program_options;

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// Thrown for bad command lines; run_command() turns it into exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown for failures that are not ledger errors; exit code 1.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Args = std::span<const std::string>;

// One leaf command such as "keyart title add".
class Subcommand {
 public:
  // name: "title add"; synopsis: what follows the name in the usage line.
  Subcommand(std::string name, std::string synopsis, std::string summary);

  po::options_description_easy_init add_options() { return options_.add_options(); }
  // Adds --db (with --files) and --json.
  Subcommand& with_db();
  Subcommand& with_json();
  // Names positional arguments; max_count -1 means any number.
  Subcommand& positional(const char* name, int max_count);

  // Parses args. Returns false when --help was asked (help already printed).
  // Throws UsageError for unknown options, missing values and the like.
  bool parse(Args args);

  const po::variables_map& vm() const { return vm_; }
  bool has(const char* option) const { return vm_.count(option) > 0; }
  template <typename T>
  T get(const char* option) const {
    return vm_[option].as<T>();
  }
  std::vector<std::string> list(const char* option) const;
  bool json() const { return json_ && vm_.count("json") > 0; }
  std::string db_path() const;
  // --files, else $KEYART_FILES, else empty (the ledger's default).
  std::string files_dir() const;
  // Opens the ledger at db_path(); read_only for commands that only read.
  ledger::Ledger open_ledger(bool read_only) const;

  std::string usage() const;

 private:
  std::string name_, synopsis_, summary_;
  po::options_description options_;
  po::positional_options_description positional_;
  po::variables_map vm_;
  bool db_ = false, json_ = false;
};

// A group such as "title" with its actions.
struct Action {
  const char* name;
  const char* summary;
  std::function<int(Args)> run;
};
// Dispatches args[0] to the matching action; prints the group's help for
// --help or no action.
int dispatch(const std::string& group, const std::vector<Action>& actions, Args args);

// Runs fn, mapping exceptions to exit codes and "keyart: error: ..." lines.
int run_guarded(const std::function<int()>& fn);

// Checks a policy spec with the engine's parser; UsageError naming the
// problem when it is not valid. Returns the spec unchanged.
std::string validated_policy_spec(const std::string& spec);

// Parses a duration: "250ms", "30s", "15m", "2h", "14d" or a plain number of
// milliseconds; UsageError naming the option otherwise.
int64_t parse_duration_ms(const std::string& text, const char* option);
// A duration as parse_duration_ms reads it back, in the largest whole unit
// (15m, 30s, 250ms): how a library default becomes a flag's default.
std::string format_duration_ms(int64_t ms);

// --profile-tastes: "fitted" true, "shares" false; UsageError otherwise,
// and for "fitted" without --profiles.
bool parse_profile_tastes(const std::string& text, bool profiles_enabled);

// After a command changed the catalogue (titles, cast, variants,
// experiments): one line saying when a running keyart serve will use it.
void say_when_serving_sees_it();

// Output helpers.
std::string format_time_ms(int64_t unix_ms);  // ISO-8601 UTC
// Unix milliseconds (digits only), or an ISO-8601 time as the log importer
// reads it (analysis/iso_time.h: "2026-11-27", "2026-11-27T10:00:00Z",
// "2026-11-27 10:00:00.25+02:00"); else a UsageError naming --option.
int64_t parse_time_ms(const std::string& text, const char* option);

}  // namespace keyart::cli
