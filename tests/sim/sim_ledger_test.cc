// A simulated A/B test written into a real ledger file: every decision the
// policies made is an exposure with the same variant, propensity, arm and
// time; every click a reward; units stick to one arm, split by the shares;
// the catalogue carries the workload's artwork features; and `keyart sim
// ab` reports bad input without leaving a half-open experiment.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "keyart/sim/simulator.h"
#include "keyart/sim/workload.h"
#include "keyart/ledger/assignment.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/variants.h"
#include "keyart/sim/sim_ledger.h"
#include "support/test_support.h"

namespace keyart::sim {
namespace {

using keyart::testing::run_keyart;
using keyart::testing::TempDir;

std::string write_workload(const TempDir& dir, uint64_t n) {
  sim::GeneratorOptions g;
  g.n = n;
  g.users = 600;
  g.titles = 25;
  g.seed = 11;
  const std::string path = (dir / "wl.jsonl").string();
  std::ofstream f(path);
  sim::generate_workload(g, f);
  return path;
}

// Records what the policies decided, then hands it on to the ledger sink.
struct Recorder : sim::SimSink {
  struct Seen {
    size_t arm;
    std::string variant;
    double propensity;
    int64_t time_ms;
    std::string unit;
    engine::NamedFeatures context, user;  // what the policy was given
    std::vector<engine::LoggedCandidate> candidates;
    int chosen;
  };
  SimLedger* next = nullptr;
  std::map<std::string, Seen> decisions;  // by event id (hex)
  std::map<std::string, int> clicks;
  void on_decision(size_t arm, const sim::Impression& imp, const engine::Request& request,
                   const engine::Decision& d, int64_t time_ms) override {
    Seen seen{arm, imp.candidates[d.chosen]->id, d.propensity, time_ms,
              "u" + std::to_string(imp.user), {}, {}, {}, d.chosen};
    for (const auto& c : imp.context) {
      if (c.is_text) {
        seen.context.set(c.name, c.text);
      } else {
        seen.context.set(c.name, c.number);
      }
    }
    for (const auto& [name, value] : imp.user_features) seen.user.set(name, value);
    for (const engine::PreparedVariant* v : imp.candidates) {
      seen.candidates.push_back({v->id, v->named, false});
    }
    decisions[engine::to_hex(d.event_id)] = std::move(seen);
    next->on_decision(arm, imp, request, d, time_ms);
  }
  void on_reward(size_t arm, const engine::EventId& id, std::string_view kind, double value,
                 int64_t time_ms) override {
    ++clicks[engine::to_hex(id)];
    next->on_reward(arm, id, kind, value, time_ms);
  }
};

TEST(SimLedger, TheLedgerHoldsExactlyWhatThePoliciesDecided) {
  TempDir dir;
  const std::string workload = write_workload(dir, 3000);
  auto ledger = ledger::Ledger::open((dir / "sim.db").string());
  const std::vector<double> shares = {0.3, 0.7};
  SimLedger sink(ledger, {.experiment_id = "ab",
                          .arms = {{"control", "fixed:default", shares[0]},
                                   {"greedy", "epsilon-greedy:epsilon=0.2", shares[1]}},
                          .start_ms = 1'767'225'600'000,
                          .batch_size = 700});  // several batches, one cut mid-stream
  Recorder recorder;
  recorder.next = &sink;
  sim::SimOptions o;
  o.specs = {"fixed:default", "epsilon-greedy:epsilon=0.2"};
  o.start_ms = 1'767'225'600'000;
  o.step_ms = 1000;
  o.sink = &recorder;
  o.route = [&](const sim::Impression& imp) { return sink.route(imp); };
  const sim::SimResult r = sim::run_simulation(workload, o);
  const SimLedgerStats st = sink.finish(o.start_ms + 3000 * 1000);

  ASSERT_EQ(r.impressions, 3000u);
  EXPECT_EQ(r.policies[0].all.n + r.policies[1].all.n, 3000u);  // each impression once
  EXPECT_EQ(st.exposures, 3000u);
  EXPECT_EQ(st.rewards, recorder.clicks.size());
  EXPECT_EQ(r.policies[0].all.clicks + r.policies[1].all.clicks,
            static_cast<double>(recorder.clicks.size()));

  size_t rows = 0;
  std::map<std::string, std::string> arm_of_unit;
  ledger::LedgerDecisionCatalog catalog(ledger);
  ledger::for_each_exposure(ledger, {.experiment_id = "ab"}, [&](const auto& e) {
    ++rows;
    auto it = recorder.decisions.find(e.event_id);
    ASSERT_NE(it, recorder.decisions.end()) << e.event_id;
    const Recorder::Seen& seen = it->second;
    EXPECT_EQ(e.variant_id, seen.variant);
    EXPECT_EQ(e.propensity, seen.propensity);
    EXPECT_EQ(e.ts, seen.time_ms);
    EXPECT_EQ(e.unit_id, seen.unit);
    EXPECT_EQ(*e.arm_id, seen.arm == 0 ? "control" : "greedy");
    EXPECT_EQ(e.policy, seen.arm == 0 ? "fixed:default" : "epsilon-greedy:epsilon=0.2");
    EXPECT_TRUE(e.device.has_value());
    EXPECT_TRUE(e.country.has_value());
    EXPECT_TRUE(e.hour.has_value());
    // The decision log gives back what the policy was given.
    std::string reason;
    auto logged = ledger::logged_decision(e, catalog, reason);
    ASSERT_TRUE(logged) << reason;
    EXPECT_EQ(logged->context.to_json(), seen.context.to_json());
    EXPECT_EQ(logged->user.to_json(), seen.user.to_json());
    EXPECT_EQ(logged->chosen, seen.chosen);
    ASSERT_EQ(logged->candidates.size(), seen.candidates.size());
    for (size_t i = 0; i < seen.candidates.size(); ++i) {
      EXPECT_EQ(logged->candidates[i].variant_id, seen.candidates[i].variant_id);
      EXPECT_EQ(logged->candidates[i].named().to_json(), seen.candidates[i].features.to_json());
    }
    // Sticky: a unit never changes arm, and its arm is the hash's.
    auto [known, inserted] = arm_of_unit.emplace(e.unit_id, *e.arm_id);
    if (!inserted) {
      EXPECT_EQ(known->second, *e.arm_id) << e.unit_id;
    }
    const size_t expected = ledger::assign_arm("sim", e.unit_id, shares);
    EXPECT_EQ(*e.arm_id, expected == 0 ? "control" : "greedy");
    EXPECT_EQ(ledger::rewards_for_event(ledger, e.event_id).size(),
              recorder.clicks.count(e.event_id));
  });
  EXPECT_EQ(rows, 3000u);

  // Units split by the shares: binomial, 4.5 standard deviations.
  double control_units = 0;
  for (const auto& [unit, arm] : arm_of_unit) control_units += arm == "control";
  const double n = static_cast<double>(arm_of_unit.size());
  EXPECT_NEAR(control_units / n, 0.3, 4.5 * std::sqrt(0.3 * 0.7 / n));

  const auto e = ledger::get_experiment(ledger, "ab");
  EXPECT_EQ(e.status, "stopped");
  EXPECT_EQ(e.source, "sim");
  EXPECT_EQ(e.arms.size(), 2u);
  EXPECT_TRUE(e.arms[0].is_control);

  // The catalogue holds the workload's artwork features as arm features.
  const auto f = ledger::latest_variant_features(ledger, "t000_v0");
  ASSERT_TRUE(f.has_value());
  const auto record = nlohmann::json::parse(f->features_json);
  EXPECT_TRUE(record["arm_features"].contains("style"));
  EXPECT_TRUE(record["arm_features"].contains("featured_actor"));
}

TEST(SimLedger, CommandRunsAReportableExperimentAndRefusesBadInput) {
  TempDir dir;
  const std::string workload = write_workload(dir, 2000);
  const std::string db = (dir / "sim.db").string();
  auto run = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "ab", "-a",
                         "control=fixed:default", "-a", "bandit=linucb:alpha=0.5", "--shares",
                         "1,1", "--per-day", "500", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = nlohmann::json::parse(run.out);
  EXPECT_EQ(out["ledger"]["exposures"], 2000);
  EXPECT_EQ(out["ledger"]["titles"], 25);

  auto report = run_keyart({"report", "experiment", "ab", "--db", db, "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto rep = nlohmann::json::parse(report.out);
  ASSERT_EQ(rep["arms"].size(), 2u);
  EXPECT_EQ(rep["arms"][0]["exposures"].get<int64_t>() + rep["arms"][1]["exposures"].get<int64_t>(),
            2000);
  EXPECT_EQ(rep["totals"]["rewards"], out["ledger"]["rewards"]);

  // Off-policy evaluation reads the simulated log (catalogue features included).
  auto ope = run_keyart({"report", "ope", "--db", db, "--policy", "linucb:alpha=0.5", "--from",
                         "ab", "--format", "json"});
  EXPECT_EQ(ope.exit_code, 0) << ope.err;

  // The id is taken: nothing changes.
  auto again = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "ab", "-a",
                           "control=fixed:default", "-a", "bandit=uniform"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("ab"), std::string::npos) << again.err;
  auto ledger = ledger::Ledger::open(db, {.read_only = true});
  EXPECT_EQ(ledger::count_exposures(ledger), 2000);

  auto one_arm = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "x", "-a",
                             "control=fixed:default"});
  EXPECT_EQ(one_arm.exit_code, 2);
  auto bad_spec = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "x", "-a",
                              "control=fixed:default", "-a", "b=linucb:alpha=-1"});
  EXPECT_EQ(bad_spec.exit_code, 2);
  EXPECT_NE(bad_spec.err.find("alpha"), std::string::npos) << bad_spec.err;
  auto bad_shares = run_keyart({"sim", "ab", "--db", db, "-w", workload, "-e", "x", "-a",
                                "control=fixed:default", "-a", "b=uniform", "--shares", "1,abc"});
  EXPECT_EQ(bad_shares.exit_code, 2);
  EXPECT_FALSE(ledger::find_experiment(ledger, "x").has_value());

  // A workload broken after 300 lines: the 300 decisions stay consistent and
  // the experiment is closed, with the reason.
  {
    std::ifstream in(workload);
    std::ofstream broken(dir / "broken.jsonl");
    std::string line;
    for (int i = 0; i < 300 && std::getline(in, line); ++i) broken << line << "\n";
    broken << "{\"t\": 300, \"user\": \n";
  }
  auto cut = run_keyart({"sim", "ab", "--db", db, "-w", (dir / "broken.jsonl").string(), "-e",
                         "cut", "-a", "control=fixed:default", "-a", "b=uniform"});
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.err.find("stopped incomplete after 300 exposures"), std::string::npos) << cut.err;
  EXPECT_EQ(ledger::get_experiment(ledger, "cut").status, "stopped");
  EXPECT_EQ(ledger::count_exposures(ledger), 2300);
}

}  // namespace
}  // namespace keyart::sim
