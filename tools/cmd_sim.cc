// keyart sim: run bandit policies online over a workload (JSONL, see
// docs/SIM.md), simulate an A/B test of them into the ledger,
// and generate such workloads.
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "commands.h"
#include "keyart/engine/policy.h"
#include "keyart/sim/simulator.h"
#include "keyart/sim/workload.h"
#include "keyart/sim/sim_ledger.h"

namespace keyart::cli {

namespace {

// A file a command writes: opened, and on finish() closed, each or a
// CommandError naming it.
class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)), out_(path_) {
    if (!out_) fail();
  }
  std::ostream& stream() { return out_; }
  void finish() {
    out_.close();
    if (!out_) fail();
  }

 private:
  [[noreturn]] void fail() const { throw CommandError("cannot write '" + path_ + "'"); }
  std::string path_;
  std::ofstream out_;
};

int sim_run(Args args) {
  Subcommand cmd("sim run", "--workload FILE --policy SPEC [--policy SPEC...] [options]",
                 "Runs each policy online over the workload: every impression the policy\n"
                 "chooses a candidate, sees only its own click and learns. Prints CTR, random\n"
                 "and oracle CTR and the oracle lift fraction over the whole stream, the last\n"
                 "impressions and each title's first impressions (cold start), decisions per\n"
                 "second and decide latency. Policies: fixed:<variant>|default, uniform,\n"
                 "epsilon-greedy, beta-ts, linucb, hybrid-linucb, lints (docs/ENGINE.md).");
  cmd.with_json();
  cmd.add_options()("workload,w", po::value<std::string>()->required(), "workload JSONL file")(
      "policy,p", po::value<std::vector<std::string>>()->required(), "policy spec (repeatable)")(
      "limit,n", po::value<uint64_t>()->default_value(0), "impressions to run (0 = all)")(
      "wait", po::value<uint64_t>()->default_value(0),
      "feedback delay in impressions (0 = learn before the next impression)")(
      "seed", po::value<uint64_t>()->default_value(1), "decision randomness")(
      "last", po::value<uint64_t>()->default_value(100000), "size of the 'last' window")(
      "cold", po::value<uint64_t>()->default_value(50), "cold-start impressions per title")(
      "publish-every", po::value<uint64_t>()->default_value(1),
      "decide with a copy of the model refreshed every N impressions, as serving nodes that "
      "follow a trainer do (1 = the learner decides itself)")(
      "plot", po::value<std::string>(), "write cumulative lift per policy to FILE.svg or FILE.html")(
      "no-tastes", po::bool_switch(),
      "requests carry none of the viewers' actor_*/genre_* features")(
      "profiles", po::bool_switch(),
      "keyart's viewer profiles learn the viewers' tastes from the workload's history\n"
      "and plays (sim generate --history --plays) and supply them to the requests")(
      "profile-tastes", po::value<std::string>()->default_value("shares"),
      "with --profiles: 'shares' of each viewer's viewing, or 'fitted' to it against\n"
      "everyone's viewing in the history (docs/PROFILES.md, \"Fitted tastes\")");
  if (!cmd.parse(args)) return kExitOk;
  sim::SimOptions o;
  o.fitted_profiles = parse_profile_tastes(cmd.get<std::string>("profile-tastes"), cmd.get<bool>("profiles"));
  o.without_tastes = cmd.get<bool>("no-tastes");
  o.profiles = cmd.get<bool>("profiles");
  o.specs = cmd.list("policy");
  for (const auto& s : o.specs) {
    try {
      engine::make_policy(s);
    } catch (const engine::SpecError& e) {
      throw UsageError(e.what());
    }
  }
  o.limit = cmd.get<uint64_t>("limit");
  o.wait = cmd.get<uint64_t>("wait");
  o.seed = cmd.get<uint64_t>("seed");
  o.last = cmd.get<uint64_t>("last");
  o.cold = cmd.get<uint64_t>("cold");
  o.publish_every = cmd.get<uint64_t>("publish-every");
  if (o.publish_every < 1) throw UsageError("--publish-every must be at least 1");
  std::string plot;
  bool html = false;
  if (cmd.has("plot")) {
    plot = cmd.get<std::string>("plot");
    auto ends = [&](const std::string& ext) {
      return plot.size() >= ext.size() && plot.compare(plot.size() - ext.size(), ext.size(), ext) == 0;
    };
    if (ends(".html") || ends(".htm")) {
      html = true;
    } else if (!ends(".svg")) {
      throw UsageError("--plot '" + plot + "' must end in .svg or .html");
    }
  }
  sim::SimResult r = sim::run_simulation(cmd.get<std::string>("workload"), o);
  if (r.impressions == 0) throw CommandError("workload has no impressions");
  if (!plot.empty()) {
    OutputFile f(plot);
    f.stream() << sim::format_sim_plot(r, html);
    f.finish();
  }
  std::cout << (cmd.json() ? sim::format_sim_json(r) : sim::format_sim_text(r));
  return kExitOk;
}

// "0.5,0.25,0.25" -> shares; empty -> equal shares for n arms.
std::vector<double> parse_shares(const std::string& text, size_t n) {
  if (text.empty()) return std::vector<double>(n, 1.0 / static_cast<double>(n));
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !std::isfinite(v) || v <= 0) {
      throw UsageError("--shares: '" + item + "' is not a positive number");
    }
    out.push_back(v);
  }
  if (out.size() != n) {
    throw UsageError("--shares has " + std::to_string(out.size()) + " values for " +
                     std::to_string(n) + " arms");
  }
  return out;
}

int sim_ab(Args args) {
  Subcommand cmd("sim ab",
                 "--workload FILE|- --experiment ID --arm ID=SPEC --arm ID=SPEC... [options]",
                 "Runs a simulated A/B test over the workload and writes it into the ledger\n"
                 "as `keyart serve` would log it: each viewer is assigned to one arm by the\n"
                 "sticky hash (shares from --shares, else equal), that arm's policy decides,\n"
                 "learns from its clicks, and every exposure (with its propensity) and click\n"
                 "is recorded. Titles and variants are added on first sight. The experiment\n"
                 "(source 'sim', the first arm is the control) is stopped at the end, ready\n"
                 "for `keyart report experiment` and `keyart report ope`.");
  cmd.with_db().with_json();
  cmd.add_options()("workload,w", po::value<std::string>()->required(),
                    "workload JSONL file ('-' = standard input)")(
      "experiment,e", po::value<std::string>()->required(), "experiment id to create")(
      "name", po::value<std::string>()->default_value(""), "experiment name")(
      "arm,a", po::value<std::vector<std::string>>()->required(),
      "arm as ID=SPEC (repeatable, at least two; the first is the control)")(
      "shares", po::value<std::string>()->default_value(""),
      "traffic shares, comma-separated, one per arm (normalised)")(
      "limit,n", po::value<uint64_t>()->default_value(0), "impressions to run (0 = all)")(
      "per-day", po::value<uint64_t>()->default_value(200000),
      "impressions per simulated day (spaces the timestamps)")(
      "start", po::value<std::string>()->default_value("2026-01-01T00:00:00Z"),
      "time of the first impression (ISO-8601 UTC or Unix ms)")(
      "wait", po::value<uint64_t>()->default_value(0),
      "feedback delay in impressions (0 = learn before the next impression)")(
      "seed", po::value<uint64_t>()->default_value(1), "decision randomness");
  if (!cmd.parse(args)) return kExitOk;
  std::vector<sim::SimArm> arms;
  for (const std::string& a : cmd.list("arm")) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size()) {
      throw UsageError("--arm '" + a + "' must be ID=SPEC, e.g. control=fixed:default");
    }
    sim::SimArm arm{.arm_id = a.substr(0, eq)};
    try {
      arm.policy_spec = engine::make_policy(a.substr(eq + 1))->spec();
    } catch (const engine::SpecError& e) {
      throw UsageError("--arm " + arm.arm_id + ": " + e.what());
    }
    arms.push_back(std::move(arm));
  }
  if (arms.size() < 2) throw UsageError("an A/B test needs at least two --arm");
  const std::vector<double> shares = parse_shares(cmd.get<std::string>("shares"), arms.size());
  double total = 0;
  for (double v : shares) total += v;
  for (size_t i = 0; i < arms.size(); ++i) arms[i].traffic_share = shares[i] / total;
  const uint64_t per_day = cmd.get<uint64_t>("per-day");
  if (per_day < 1 || per_day > 86'400'000) throw UsageError("--per-day must be 1..86400000");

  sim::SimOptions o;
  for (const auto& a : arms) o.specs.push_back(a.policy_spec);
  o.limit = cmd.get<uint64_t>("limit");
  o.wait = cmd.get<uint64_t>("wait");
  o.seed = cmd.get<uint64_t>("seed");
  o.start_ms = parse_time_ms(cmd.get<std::string>("start"), "start");
  o.step_ms = static_cast<int64_t>(86'400'000 / per_day);

  ledger::Ledger ledger = cmd.open_ledger(false);
  sim::SimLedger sink(ledger, {.experiment_id = cmd.get<std::string>("experiment"),
                                   .name = cmd.get<std::string>("name"),
                                   .arms = arms,
                                   .start_ms = o.start_ms});
  o.sink = &sink;
  const std::string experiment = cmd.get<std::string>("experiment");
  uint64_t seen = 0;
  o.route = [&sink, &seen](const sim::Impression& imp) {
    ++seen;
    return sink.route(imp);
  };
  sim::SimResult r;
  try {
    r = sim::run_simulation(cmd.get<std::string>("workload"), o);
  } catch (const std::exception& e) {
    // What was decided so far stays consistent (exposures with their clicks);
    // the experiment is closed where the input ended.
    std::string note;
    try {
      const auto st = sink.finish(o.start_ms + static_cast<int64_t>(seen) * o.step_ms);
      note = "experiment '" + experiment + "' was stopped incomplete after " +
             std::to_string(st.exposures) + " exposures";
    } catch (const std::exception& closing) {
      note = "experiment '" + experiment + "' could not be closed: " + closing.what();
    }
    throw CommandError(std::string(e.what()) + " (" + note + ")");
  }
  const int64_t end_ms = o.start_ms + static_cast<int64_t>(r.impressions) * o.step_ms;
  const sim::SimLedgerStats st = sink.finish(end_ms);
  if (r.impressions == 0) throw CommandError("workload has no impressions");
  if (cmd.json()) {
    nlohmann::json j = nlohmann::json::parse(sim::format_sim_json(r));
    j["ledger"] = {{"experiment", experiment},
                   {"exposures", st.exposures}, {"rewards", st.rewards},
                   {"titles", st.titles}, {"variants", st.variants}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << sim::format_sim_text(r) << "ledger: experiment " << experiment << ": " << st.exposures << " exposures, "
              << st.rewards << " rewards, " << st.titles << " new titles, " << st.variants
              << " new variants (" << format_time_ms(o.start_ms) << " to "
              << format_time_ms(end_ms) << ")\n";
  }
  return kExitOk;
}

int sim_generate(Args args) {
  Subcommand cmd("sim generate", "--n N --seed S --out FILE",
                 "Writes a synthetic workload (docs/SIM.md: users\n"
                 "with sparse actor and genre tastes, titles with 3-8 artwork variants, true\n"
                 "click probabilities and a uniform draw per impression) as JSONL.");
  sim::GeneratorOptions g;
  cmd.add_options()("n", po::value<uint64_t>()->default_value(100000), "impressions")(
      "seed", po::value<uint64_t>()->default_value(1), "impression-stream seed")(
      "world-seed", po::value<uint64_t>()->default_value(0),
      "seed of users/titles/weights (0 = --seed)")(
      "out,o", po::value<std::string>()->required(), "output file ('-' = stdout)")(
      "users", po::value<int>()->default_value(g.users), "users")(
      "titles", po::value<int>()->default_value(g.titles), "titles")(
      "actors", po::value<int>()->default_value(g.actors), "actors")(
      "genres", po::value<int>()->default_value(g.genres), "genres")(
      "base", po::value<double>()->default_value(g.base), "base logit (CTR level)")(
      "plays", po::bool_switch(),
      "also the chances that a click becomes a play and a play a completion, with\n"
      "their draws (sim ab then records play and completion rewards)")(
      "history", po::bool_switch(),
      "first each title's cast and genres and each viewer's viewing history\n"
      "before the stream (sim run --profiles learns from them)")(
      "history-days", po::value<int>()->default_value(g.history_days),
      "days of history before the stream")(
      "history-plays", po::value<double>()->default_value(g.history_plays),
      "mean plays per viewer of average activity")(
      "truth", po::value<std::string>(),
      "also write the world's hidden part to this file: each title's popularity\n"
      "and each viewer's liked actors and genres (docs/SIM.md, \"Hidden tastes\")");
  if (!cmd.parse(args)) return kExitOk;
  g.plays = cmd.get<bool>("plays");
  g.history = cmd.get<bool>("history");
  g.history_days = cmd.get<int>("history-days");
  g.history_plays = cmd.get<double>("history-plays");
  if (g.history_days < 1 || !(g.history_plays >= 0)) {
    throw UsageError("need --history-days >= 1 and --history-plays >= 0");
  }
  g.n = cmd.get<uint64_t>("n");
  g.seed = cmd.get<uint64_t>("seed");
  g.world_seed = cmd.get<uint64_t>("world-seed");
  g.users = cmd.get<int>("users");
  g.titles = cmd.get<int>("titles");
  g.actors = cmd.get<int>("actors");
  g.genres = cmd.get<int>("genres");
  g.base = cmd.get<double>("base");
  if (g.users < 1 || g.titles < 1 || g.actors < 5 || g.actors > 999 || g.genres < 3 ||
      g.genres > 99) {
    throw UsageError("need --users >= 1, --titles >= 1, 5 <= --actors <= 999, 3 <= --genres <= 99");
  }
  const std::string out = cmd.get<std::string>("out");
  std::optional<OutputFile> truth;
  if (cmd.has("truth")) {
    truth.emplace(cmd.get<std::string>("truth"));
    g.truth = &truth->stream();
  }
  sim::GeneratorStats s;
  if (out == "-") {
    s = sim::generate_workload(g, std::cout);
  } else {
    OutputFile f(out);
    s = sim::generate_workload(g, f.stream());
    f.finish();
  }
  if (truth) truth->finish();
  std::cerr << "generated " << g.n << " impressions: K=" << s.mean_candidates
            << " random CTR=" << s.random_ctr << " oracle CTR=" << s.oracle_ctr << "\n";
  return kExitOk;
}

}  // namespace

int cmd_sim(Args args) {
  return dispatch("sim",
                  {{"run", "run policies online over a workload", sim_run},
                   {"ab", "simulate an A/B test into the ledger", sim_ab},
                   {"generate", "write a synthetic workload (JSONL)", sim_generate}},
                  args);
}

}  // namespace keyart::cli
