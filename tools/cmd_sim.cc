// keyart sim: run bandit policies online over a workload (JSONL, see
// shared/bench/WORKLOAD.md) and generate such workloads.
#include <fstream>
#include <iostream>

#include "commands.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/simulator.h"
#include "keyart/engine/workload.h"

namespace keyart::cli {

namespace {

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
      "plot", po::value<std::string>(), "write cumulative lift per policy to FILE.svg or FILE.html");
  if (!cmd.parse(args)) return kExitOk;
  engine::SimOptions o;
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
  engine::SimResult r = engine::run_simulation(cmd.get<std::string>("workload"), o);
  if (r.impressions == 0) throw CommandError("workload has no impressions");
  if (!plot.empty()) {
    std::ofstream f(plot);
    f << engine::format_sim_plot(r, html);
    if (!f) throw CommandError("cannot write plot '" + plot + "'");
  }
  std::cout << (cmd.json() ? engine::format_sim_json(r) : engine::format_sim_text(r));
  return kExitOk;
}

int sim_generate(Args args) {
  Subcommand cmd("sim generate", "--n N --seed S --out FILE",
                 "Writes a synthetic workload (the model of shared/bench/WORKLOAD.md: users\n"
                 "with sparse actor and genre tastes, titles with 3-8 artwork variants, true\n"
                 "click probabilities and a uniform draw per impression) as JSONL.");
  engine::GeneratorOptions g;
  cmd.add_options()("n", po::value<uint64_t>()->default_value(100000), "impressions")(
      "seed", po::value<uint64_t>()->default_value(1), "impression-stream seed")(
      "world-seed", po::value<uint64_t>()->default_value(0),
      "seed of users/titles/weights (0 = --seed)")(
      "out,o", po::value<std::string>()->required(), "output file ('-' = stdout)")(
      "users", po::value<int>()->default_value(g.users), "users")(
      "titles", po::value<int>()->default_value(g.titles), "titles")(
      "actors", po::value<int>()->default_value(g.actors), "actors")(
      "genres", po::value<int>()->default_value(g.genres), "genres")(
      "base", po::value<double>()->default_value(g.base), "base logit (CTR level)");
  if (!cmd.parse(args)) return kExitOk;
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
  engine::GeneratorStats s;
  if (out == "-") {
    s = engine::generate_workload(g, std::cout);
  } else {
    std::ofstream f(out);
    if (!f) throw CommandError("cannot write '" + out + "'");
    s = engine::generate_workload(g, f);
    f.close();
    if (!f) throw CommandError("cannot write '" + out + "'");
  }
  std::cerr << "generated " << g.n << " impressions: K=" << s.mean_candidates
            << " random CTR=" << s.random_ctr << " oracle CTR=" << s.oracle_ctr << "\n";
  return kExitOk;
}

}  // namespace

int cmd_sim(Args args) {
  return dispatch("sim",
                  {{"run", "run policies online over a workload", sim_run},
                   {"generate", "write a synthetic workload (JSONL)", sim_generate}},
                  args);
}

}  // namespace keyart::cli
