#include "cli.h"

#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "keyart/analysis/iso_time.h"
#include "keyart/engine/policy.h"
#include "keyart/ledger/errors.h"
#include "keyart/serving/service.h"

namespace keyart::cli {

Subcommand::Subcommand(std::string name, std::string synopsis, std::string summary)
    : name_(std::move(name)),
      synopsis_(std::move(synopsis)),
      summary_(std::move(summary)),
      options_("Options") {
  options_.add_options()("help,h", "show this help");
}

Subcommand& Subcommand::with_db() {
  db_ = true;
  options_.add_options()("db", po::value<std::string>(),
                         "ledger: a SQLite file or a postgresql://user@host:port/db URI "
                         "(default: $KEYART_DB, else ./keyart.db)")(
      "files", po::value<std::string>(),
      "folder for stored files (artwork, headshots, model snapshots); default: "
      "$KEYART_FILES, else '<ledger>.files' beside a SQLite ledger (a PostgreSQL ledger "
      "needs one to store or read files)");
  return *this;
}

Subcommand& Subcommand::with_json() {
  json_ = true;
  options_.add_options()("json", "print JSON instead of text");
  return *this;
}

Subcommand& Subcommand::positional(const char* name, int max_count) {
  positional_.add(name, max_count);
  return *this;
}

std::string Subcommand::usage() const {
  std::ostringstream out;
  out << "usage: keyart " << name_ << (synopsis_.empty() ? "" : " ") << synopsis_ << "\n\n"
      << summary_ << "\n\n"
      << options_;
  return out.str();
}

bool Subcommand::parse(Args args) {
  std::vector<std::string> argv(args.begin(), args.end());
  try {
    po::store(po::command_line_parser(argv).options(options_).positional(positional_).run(), vm_);
    if (vm_.count("help")) {
      std::cout << usage();
      return false;
    }
    po::notify(vm_);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see 'keyart " + name_ + " --help')");
  }
  return true;
}

std::vector<std::string> Subcommand::list(const char* option) const {
  if (!vm_.count(option)) return {};
  return vm_[option].as<std::vector<std::string>>();
}

std::string Subcommand::db_path() const {
  if (db_ && vm_.count("db")) return vm_["db"].as<std::string>();
  if (const char* env = std::getenv("KEYART_DB"); env && *env) return env;
  return "keyart.db";
}

std::string Subcommand::files_dir() const {
  if (db_ && vm_.count("files")) return vm_["files"].as<std::string>();
  if (const char* env = std::getenv("KEYART_FILES"); env && *env) return env;
  return "";
}

ledger::Ledger Subcommand::open_ledger(bool read_only) const {
  ledger::LedgerOptions options;
  options.read_only = read_only;
  options.files_dir = files_dir();
  return ledger::Ledger::open(db_path(), options);
}

int dispatch(const std::string& group, const std::vector<Action>& actions, Args args) {
  auto help = [&](std::ostream& out) {
    out << "usage: keyart " << group << " <action> [options]\n\nActions:\n";
    for (const auto& a : actions) {
      out << "  " << std::left << std::setw(12) << a.name << a.summary << "\n";
    }
    out << "\nRun 'keyart " << group << " <action> --help' for an action's options.\n";
  };
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    help(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  for (const auto& a : actions) {
    if (args[0] == a.name) return a.run(args.subspan(1));
  }
  throw UsageError("unknown action '" + args[0] + "' for 'keyart " + group +
                   "' (see 'keyart " + group + " --help')");
}

int run_guarded(const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const UsageError& e) {
    std::cerr << "keyart: usage error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const ledger::LedgerError& e) {
    std::cerr << "keyart: error: " << e.what() << "\n";
    return kExitRuntime;
  } catch (const std::exception& e) {
    std::cerr << "keyart: error: " << e.what() << "\n";
    return kExitRuntime;
  }
}

std::string validated_policy_spec(const std::string& spec) {
  if (spec.empty() || spec.size() > 512) {
    throw UsageError("policy spec must be 1-512 characters");
  }
  try {
    engine::make_policy(spec);
  } catch (const std::invalid_argument& e) {
    throw UsageError("policy '" + spec + "': " + e.what());
  }
  return spec;
}

bool parse_profile_tastes(const std::string& text, bool profiles_enabled) {
  if (text == "shares") return false;
  if (text != "fitted") throw UsageError("--profile-tastes must be 'shares' or 'fitted', not '" + text + "'");
  if (!profiles_enabled) throw UsageError("--profile-tastes fitted needs --profiles");
  return true;
}

int64_t parse_duration_ms(const std::string& text, const char* option) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  double factor = unit.empty() || unit == "ms" ? 1
                  : unit == "s"                ? 1000
                  : unit == "m"                ? 60000
                  : unit == "h"                ? 3600000
                  : unit == "d"                ? 86400000
                                               : -1;
  if (used == 0 || factor < 0 || !(value >= 0)) {
    throw UsageError(std::string("--") + option + " '" + text +
                     "' is not a duration: use e.g. 250ms, 30s, 15m, 2h, 14d");
  }
  if (value > 0 && value * factor < 1) {
    throw UsageError(std::string("--") + option + " '" + text +
                     "' is shorter than a millisecond, the finest duration keyart keeps");
  }
  return static_cast<int64_t>(value * factor);
}

void say_when_serving_sees_it() {
  std::cout << "(a running keyart serve uses this within "
            << format_duration_ms(serving::ServiceOptions{}.catalog_poll_ms)
            << ", its --catalog-poll; at once on SIGHUP or POST /v1/admin/reload)\n";
}

std::string format_duration_ms(int64_t ms) {
  if (ms == 0) return "0";
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_time_ms(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t parse_time_ms(const std::string& text, const char* option) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  if (auto ms = analysis::parse_iso_time_ms(text)) return *ms;
  throw UsageError(std::string("--") + option + " '" + text +
                   "' is not a time: use 2026-11-27, 2026-11-27T10:00:00Z, "
                   "2026-11-27 10:00:00.5+02:00 or Unix milliseconds");
}

}  // namespace keyart::cli
