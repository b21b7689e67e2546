// keyart experiment create|list|show|start|stop
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "json_views.h"
#include "keyart/analysis/experiment_report.h"
#include "keyart/ledger/experiment_store.h"

namespace keyart::cli {

namespace {

// "\nguardrails a, b" when the experiment has any.
std::string guardrails_line(const ledger::Experiment& e) {
  std::string line;
  for (const std::string& g : e.guardrails) line += (line.empty() ? "\nguardrails " : ", ") + g;
  return line;
}

// "NAME=SPEC@SHARE", e.g. "control=fixed:t1-v1@0.5". The spec may itself
// contain '=' and ':', so the name ends at the first '=' and the share starts
// after the last '@'.
ledger::Arm parse_arm(const std::string& text) {
  size_t eq = text.find('=');
  size_t at = text.rfind('@');
  if (eq == std::string::npos || at == std::string::npos || at < eq) {
    throw UsageError("--arm '" + text + "' is not NAME=POLICY@SHARE (e.g. control=uniform@0.5)");
  }
  ledger::Arm arm;
  arm.arm_id = text.substr(0, eq);
  arm.policy_spec = validated_policy_spec(text.substr(eq + 1, at - eq - 1));
  std::string share = text.substr(at + 1);
  try {
    size_t used = 0;
    arm.traffic_share = std::stod(share, &used);
    if (used != share.size()) throw std::invalid_argument(share);
  } catch (const std::exception&) {
    throw UsageError("--arm '" + text + "': share '" + share + "' is not a number");
  }
  return arm;
}

int experiment_create(Args args) {
  Subcommand cmd("experiment create",
                 "ID --name NAME --arm NAME=POLICY@SHARE... [--control ARM] [--title T]... "
                 "[--start]",
                 "Creates an experiment (a draft unless --start). Units are split among the\n"
                 "arms by a sticky hash of (unit, salt); shares must sum to 1. The control\n"
                 "arm (default: the first) is what lifts are measured against. Without\n"
                 "--title the experiment covers every title.");
  cmd.with_db().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "experiment id")(
      "name", po::value<std::string>()->required(), "display name")(
      "description", po::value<std::string>()->default_value(""), "what is being tested")(
      "arm", po::value<std::vector<std::string>>()->required(),
      "an arm as NAME=POLICY@SHARE, e.g. bandit=linucb:alpha=1@0.5 (repeat)")(
      "control", po::value<std::string>(), "the control arm (default: the first)")(
      "title", po::value<std::vector<std::string>>(), "a title it covers (repeat)")(
      "salt", po::value<std::string>(), "assignment salt (default: random)")(
      "metric", po::value<std::string>()->default_value("click"), "primary reward kind")(
      "guardrail", po::value<std::vector<std::string>>(),
      "a guardrail metric its report checks too, KIND or KIND:ANALYSIS (e.g. completion, "
      "play:unit-share; repeat)")(
      "start", "start it at once");
  if (!cmd.parse(args)) return kExitOk;
  ledger::Experiment e;
  e.experiment_id = cmd.get<std::string>("id");
  e.name = cmd.get<std::string>("name");
  e.description = cmd.get<std::string>("description");
  e.metric = cmd.get<std::string>("metric");
  e.guardrails = cmd.list("guardrail");
  for (const std::string& g : e.guardrails) {
    if (!analysis::parse_guardrail(g)) {
      throw UsageError("--guardrail '" + g + "' is not KIND or KIND:ANALYSIS (analyses: "
                       "clustered, exposure, unit-share, per-unit)");
    }
  }
  e.title_ids = cmd.list("title");
  if (cmd.has("salt")) e.salt = cmd.get<std::string>("salt");
  for (const auto& text : cmd.list("arm")) e.arms.push_back(parse_arm(text));
  if (cmd.has("control")) {
    std::string control = cmd.get<std::string>("control");
    bool found = false;
    for (auto& arm : e.arms) {
      arm.is_control = arm.arm_id == control;
      found = found || arm.is_control;
    }
    if (!found) throw UsageError("--control '" + control + "' is not one of the arms");
  }
  auto ledger = cmd.open_ledger(false);
  ledger::Transaction tx(ledger);
  ledger::create_experiment(ledger, e);
  if (cmd.has("start")) ledger::start_experiment(ledger, e.experiment_id);
  tx.commit();
  std::cout << "created experiment " << e.experiment_id
            << (cmd.has("start") ? " (running)" : " (draft; start it with 'keyart experiment start "
                                                  + e.experiment_id + "')")
            << "\n";
  if (cmd.has("start")) say_when_serving_sees_it();
  return kExitOk;
}

int experiment_list(Args args) {
  Subcommand cmd("experiment list", "[--json]", "Lists experiments.");
  cmd.with_db().with_json();
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto all = ledger::list_experiments(ledger);
  if (cmd.json()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : all) out.push_back(to_json(e));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (all.empty()) {
    std::cout << "no experiments (create one with 'keyart experiment create')\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(20) << "EXPERIMENT" << std::setw(10) << "STATUS"
            << std::setw(6) << "ARMS" << std::setw(22) << "STARTED" << "NAME\n";
  for (const auto& e : all) {
    std::cout << std::setw(20) << e.experiment_id << std::setw(10) << e.status << std::setw(6)
              << e.arms.size() << std::setw(22)
              << (e.started_at ? format_time_ms(*e.started_at) : "-") << e.name << "\n";
  }
  return kExitOk;
}

int experiment_show(Args args) {
  Subcommand cmd("experiment show", "ID [--json]", "Shows an experiment and its arms.");
  cmd.with_db().with_json().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "experiment id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(true);
  auto e = ledger::get_experiment(ledger, cmd.get<std::string>("id"));
  if (cmd.json()) {
    std::cout << to_json(e).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "experiment " << e.experiment_id << "\nname       " << e.name << "\nstatus     "
            << e.status << " (" << e.source << ")\nmetric     " << e.metric
            << guardrails_line(e)
            << "\nsalt       "
            << e.salt << "\ncreated    " << format_time_ms(e.created_at) << "\nstarted    "
            << (e.started_at ? format_time_ms(*e.started_at) : "-") << "\nstopped    "
            << (e.stopped_at ? format_time_ms(*e.stopped_at) : "-") << "\ntitles     ";
  if (e.title_ids.empty()) std::cout << "(all)";
  for (size_t i = 0; i < e.title_ids.size(); ++i) std::cout << (i ? ", " : "") << e.title_ids[i];
  std::cout << "\narms\n";
  for (const auto& a : e.arms) {
    std::cout << "  " << std::left << std::setw(16) << a.arm_id << std::setw(8)
              << a.traffic_share << (a.is_control ? "control " : "        ") << a.policy_spec
              << "\n";
  }
  return kExitOk;
}

int experiment_transition(Args args, bool start) {
  const char* verb = start ? "start" : "stop";
  Subcommand cmd(std::string("experiment ") + verb, "ID",
                 start ? "Starts a draft experiment: from now on its units are assigned to arms."
                       : "Stops a running experiment; its data stays for reports.");
  cmd.with_db().positional("id", 1);
  cmd.add_options()("id", po::value<std::string>()->required(), "experiment id");
  if (!cmd.parse(args)) return kExitOk;
  auto ledger = cmd.open_ledger(false);
  std::string id = cmd.get<std::string>("id");
  if (start) {
    ledger::start_experiment(ledger, id);
  } else {
    ledger::stop_experiment(ledger, id);
  }
  std::cout << (start ? "started " : "stopped ") << id << "\n";
  say_when_serving_sees_it();
  return kExitOk;
}

}  // namespace

int cmd_experiment(Args args) {
  return dispatch(
      "experiment",
      {{"create", "create an experiment with arms", experiment_create},
       {"list", "list experiments", experiment_list},
       {"show", "show an experiment", experiment_show},
       {"start", "start a draft", [](Args a) { return experiment_transition(a, true); }},
       {"stop", "stop a running experiment", [](Args a) { return experiment_transition(a, false); }}},
      args);
}

}  // namespace keyart::cli
