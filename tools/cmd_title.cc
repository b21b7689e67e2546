// keyart title add|list|show|set-default
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "json_views.h"
#include "keyart/ledger/catalog.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"

namespace keyart::cli {

namespace {

int title_add(Args args) {
  Subcommand cmd("title add", "ID --name NAME [--genre G]... [--default-policy SPEC]",
                 "Adds a title to the catalogue.");
  cmd.with_db().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "title id (e.g. t017)")(
      "name", po::value<std::string>()->required(), "display name")(
      "genre", po::value<std::vector<std::string>>(), "a genre (repeat for several)")(
      "default-policy", po::value<std::string>()->default_value("uniform"),
      "policy used when no experiment covers the title");
  if (!cmd.parse(args)) return kExitOk;
  ledger::Title t;
  t.title_id = cmd.get<std::string>("id");
  t.name = cmd.get<std::string>("name");
  t.genres = cmd.list("genre");
  t.default_policy = validated_policy_spec(cmd.get<std::string>("default-policy"));
  auto ledger = cmd.open_ledger(false);
  ledger::add_title(ledger, t);
  std::cout << "added title " << t.title_id << "\n";
  say_when_serving_sees_it();
  return kExitOk;
}

int title_list(Args args) {
  Subcommand cmd("title list", "[--json]", "Lists the titles in the catalogue.");
  cmd.with_db().with_json();
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto titles = ledger::list_titles(ledger);
  if (cmd.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : titles) out.push_back(to_json(t));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (titles.empty()) {
    std::cout << "no titles (add one with 'keyart title add')\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(20) << "TITLE" << std::setw(32) << "NAME" << "GENRES\n";
  for (const auto& t : titles) {
    std::string genres;
    for (const auto& g : t.genres) genres += (genres.empty() ? "" : ",") + g;
    std::cout << std::setw(20) << t.title_id << std::setw(32) << t.name << genres << "\n";
  }
  return kExitOk;
}

int title_show(Args args) {
  Subcommand cmd("title show", "ID [--json]",
                 "Shows a title with its cast, variants and experiments.");
  cmd.with_db().with_json().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "title id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto t = ledger::get_title(ledger, cmd.get<std::string>("id"));
  auto cast = ledger::list_cast(ledger, t.title_id);
  auto variants = ledger::list_variants(ledger, t.title_id, true);
  auto running = ledger::running_experiment_for_title(ledger, t.title_id);
  if (cmd.json()) {
    nlohmann::json out = to_json(t);
    out["cast"] = nlohmann::json::array();
    for (const auto& m : cast) out["cast"].push_back(to_json(m));
    out["variants"] = nlohmann::json::array();
    for (const auto& v : variants) out["variants"].push_back(to_json(v));
    out["running_experiment"] =
        running ? nlohmann::json(running->experiment_id) : nlohmann::json(nullptr);
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "title    " << t.title_id << "\nname     " << t.name << "\ngenres   ";
  for (size_t i = 0; i < t.genres.size(); ++i) std::cout << (i ? ", " : "") << t.genres[i];
  std::cout << "\npolicy   " << t.default_policy << " (when no experiment runs)\n"
            << "default  " << t.default_variant_id.value_or("(oldest active variant)") << "\n"
            << "running  " << (running ? running->experiment_id : "(no experiment)") << "\n"
            << "cast     " << cast.size() << "\n";
  for (const auto& m : cast) {
    std::cout << "  " << m.billing_order << ". " << m.actor_name << " [" << m.actor_id << "] "
              << m.role << (m.character_name.empty() ? "" : " as " + m.character_name) << "\n";
  }
  size_t active = 0;
  for (const auto& v : variants) active += v.status == "active" ? 1 : 0;
  std::cout << "variants " << active << " active, " << variants.size() - active << " retired\n";
  for (const auto& v : variants) {
    std::cout << "  " << v.variant_id << " " << v.status << " " << v.original_name << "\n";
  }
  return kExitOk;
}

int title_set_default(Args args) {
  Subcommand cmd("title set-default", "ID [--policy SPEC] [--variant VARIANT]",
                 "Sets the title's default policy and/or default (fallback) artwork.");
  cmd.with_db().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "title id")(
      "policy", po::value<std::string>(), "policy used when no experiment covers the title")(
      "variant", po::value<std::string>(), "artwork shown when the engine cannot decide");
  if (!cmd.parse(args)) return kExitOk;
  if (!cmd.has("policy") && !cmd.has("variant")) {
    throw UsageError("give --policy and/or --variant (see 'keyart title set-default --help')");
  }
  auto ledger = cmd.open_ledger(false);
  ledger::Transaction tx(ledger);
  std::string id = cmd.get<std::string>("id");
  if (cmd.has("policy")) {
    ledger::set_title_default_policy(ledger, id, validated_policy_spec(cmd.get<std::string>("policy")));
  }
  if (cmd.has("variant")) {
    ledger::set_title_default_variant(ledger, id, cmd.get<std::string>("variant"));
  }
  tx.commit();
  std::cout << "updated title " << id << "\n";
  say_when_serving_sees_it();
  return kExitOk;
}

}  // namespace

int cmd_title(Args args) {
  return dispatch("title",
                  {{"add", "add a title", title_add},
                   {"list", "list titles", title_list},
                   {"show", "show a title with its cast and variants", title_show},
                   {"set-default", "set the default policy or artwork", title_set_default}},
                  args);
}

}  // namespace keyart::cli
