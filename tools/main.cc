// keyart: the command-line program. See `keyart --help`.
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace keyart::cli {
namespace {

struct Group {
  const char* name;
  const char* summary;
  int (*run)(Args);
};

const std::vector<Group>& groups() {
  static const std::vector<Group> table = {
      {"init", "create (or upgrade) a ledger", cmd_init},
      {"title", "add, list and show titles", cmd_title},
      {"cast", "add cast members with reference headshots; list a cast", cmd_cast},
      {"experiment", "create, list, show, start and stop experiments", cmd_experiment},
      {"variant", "upload, list, inspect and retire artwork variants", cmd_variant},
      {"extract", "print the features of an image file as JSON", cmd_extract},
      {"sim", "simulate bandit policies over a workload", cmd_sim},
      {"serve", "serve decide/reward over HTTP", cmd_serve},
      {"train", "learn from a shared ledger and publish models for serving nodes", cmd_train},
      {"report", "A/B reports, power, off-policy evaluation", cmd_report},
      {"import", "import logged bandit data from CSV", cmd_import},
      {"ledger", "housekeeping: prune old events, copy a ledger (e.g. into PostgreSQL)",
       cmd_ledger},
      {"viewer", "forget a viewer; measure everyone's viewing for fitted profiles", cmd_viewer},
  };
  return table;
}

void print_help(std::ostream& out) {
  out << "usage: keyart <command> [<action>] [options]\n\n"
         "Personalised artwork: a ledger of titles, artwork variants and experiments,\n"
         "contextual bandits that choose artwork per impression, and A/B reports.\n\n"
         "Commands:\n";
  for (const auto& g : groups()) {
    out << "  " << std::left << std::setw(12) << g.name << g.summary << "\n";
  }
  out << "\nEvery command takes --help. The ledger is --db PATH (a SQLite file) or URI\n"
         "(postgresql://user@host:port/db), else $KEYART_DB, else ./keyart.db.\n"
         "Exit codes: 0 ok, 1 error, 2 usage error.\n";
}

}  // namespace
}  // namespace keyart::cli

int main(int argc, char** argv) {
  using namespace keyart::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(std::cerr);
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(std::cout);
    return kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "keyart 0.1.0\n";
    return kExitOk;
  }
  for (const auto& g : groups()) {
    if (args[0] == g.name) {
      return run_guarded([&] { return g.run(Args(args).subspan(1)); });
    }
  }
  std::cerr << "keyart: usage error: unknown command '" << args[0]
            << "' (see 'keyart --help')\n";
  return kExitUsage;
}
