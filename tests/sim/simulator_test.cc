// keyart sim: the generator and reader agree, the simulator reaches the
// oracle when the truth is in its model class, the sink sees everything,
// and the command line reports errors properly.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "keyart/sim/simulator.h"
#include "keyart/sim/workload.h"
#include "keyart/engine/hash.h"
#include "keyart/engine/request.h"
#include "keyart/profiles/population.h"
#include "keyart/profiles/viewer_profile.h"
#include "support/test_support.h"

namespace keyart::sim {
namespace {

using keyart::testing::run_keyart;
using keyart::testing::TempDir;

// Writes a generated stream of n impressions to dir/wl.jsonl; returns the path.
std::string write_generated(const TempDir& dir, uint64_t n, int users, int titles,
                            GeneratorStats* stats = nullptr, bool plays = false) {
  std::ostringstream out;
  GeneratorOptions g;
  g.n = n;
  g.users = users;
  g.titles = titles;
  g.plays = plays;
  GeneratorStats s = generate_workload(g, out);
  if (stats) *stats = s;
  const std::string path = (dir / (plays ? "wl_plays.jsonl" : "wl.jsonl")).string();
  std::ofstream(path) << out.str();
  return path;
}

TEST(Workload, GeneratedStreamReadsBack) {
  TempDir dir;
  GeneratorStats stats;
  const std::string path = write_generated(dir, 3000, 2000, 40, &stats);
  VariantCache variants;
  double random = 0, oracle = 0, k = 0;
  uint64_t n = 0;
  read_workload(path, variants, [&](const Impression& imp) {
    EXPECT_EQ(imp.t, static_cast<int64_t>(n));
    EXPECT_EQ(imp.candidates.size(), imp.p_click.size());
    EXPECT_GE(imp.candidates.size(), 3u);
    EXPECT_LE(imp.candidates.size(), 8u);
    EXPECT_GE(imp.u, 0.0);
    EXPECT_LT(imp.u, 1.0);
    double s = 0, m = 0;
    for (double p : imp.p_click) {
      s += p;
      m = std::max(m, p);
    }
    random += s / imp.p_click.size();
    oracle += m;
    k += imp.candidates.size();
    ++n;
  });
  ASSERT_EQ(n, 3000u);
  EXPECT_NEAR(random / n, stats.random_ctr, 1e-5);
  EXPECT_NEAR(oracle / n, stats.oracle_ctr, 1e-5);
  EXPECT_NEAR(k / n, stats.mean_candidates, 1e-9);
  EXPECT_GT(stats.oracle_ctr, stats.random_ctr * 1.3);
  EXPECT_LE(variants.size(), 40u * 8);
}

// The same impressions as without --plays, each with what follows a click;
// the chance of a play rises with how well the title suits the viewer, seen
// here through the viewer's observed tastes for the title's cast and genres.
TEST(Workload, PlaysFollowTheViewersTastesAndLeaveTheImpressionsAlone) {
  TempDir dir;
  const std::string plain = write_generated(dir, 4000, 800, 30);
  const std::string plays = write_generated(dir, 4000, 800, 30, nullptr, true);
  struct Line {
    int64_t user;
    std::string title;
    std::vector<double> p_click;
    double u;
  };
  std::vector<Line> lines;
  VariantCache v1, v2;
  read_workload(plain, v1, [&](const Impression& imp) {
    EXPECT_FALSE(imp.has_plays);
    lines.push_back({imp.user, std::string(imp.title), imp.p_click, imp.u});
  });
  size_t i = 0;
  double p_suited = 0, p_unsuited = 0, n_suited = 0, n_unsuited = 0;
  read_workload(plays, v2, [&](const Impression& imp) {
    ASSERT_LT(i, lines.size());
    const Line& l = lines[i++];
    EXPECT_EQ(imp.user, l.user);
    EXPECT_EQ(imp.title, l.title);
    EXPECT_EQ(imp.p_click, l.p_click);
    EXPECT_EQ(imp.u, l.u);
    ASSERT_TRUE(imp.has_plays);
    for (double x : {imp.p_play, imp.p_complete, imp.u_play, imp.u_complete}) {
      EXPECT_GE(x, 0.0);
      EXPECT_LT(x, 1.0);
    }
    // The viewer's observed affinity to the title's cast and genres.
    double observed = 0;
    for (const auto& [name, value] : imp.user_features) {
      for (const auto& [tname, tvalue] : imp.title_features) {
        const bool actor = name.starts_with("actor_") && tname == "cast_" + std::string(name.substr(6));
        if (actor || (name.starts_with("genre_") && tname == name)) observed += value;
      }
    }
    (observed > 0.5 ? p_suited : p_unsuited) += imp.p_play;
    (observed > 0.5 ? n_suited : n_unsuited) += 1;
  });
  EXPECT_EQ(i, lines.size());
  ASSERT_GT(n_suited, 100);
  ASSERT_GT(n_unsuited, 100);
  EXPECT_GT(p_suited / n_suited, p_unsuited / n_unsuited + 0.1);
}

// p_click is linear in the layout's features (bias and user:genre_g1 in
// the closeup and group blocks), so the linear policies can learn the truth.
std::string linear_stream(int n) {
  std::ostringstream s;
  uint64_t x = 12345;
  auto next = [&] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(x >> 11) * 0x1.0p-53;
  };
  for (int t = 0; t < n; ++t) {
    const int g = next() < 0.5;
    const double pc = 0.05 + 0.4 * g, pg = 0.45 - 0.4 * g, pl = 0.2;
    s << "{\"t\":" << t << ",\"user\":" << t % 50 << ",\"context\":{\"device\":\"tv\"},"
      << "\"user_features\":{\"genre_g1\":" << g << "},\"title\":\"t" << t % 3
      << "\",\"title_features\":{},\"candidates\":["
      << "{\"variant\":\"t" << t % 3 << "_c\",\"features\":{\"style\":\"closeup\"}},"
      << "{\"variant\":\"t" << t % 3 << "_g\",\"features\":{\"style\":\"group\"}},"
      << "{\"variant\":\"t" << t % 3 << "_l\",\"features\":{\"style\":\"landscape\"}}],"
      << "\"p_click\":[" << pc << "," << pg << "," << pl << "],\"u\":" << next() << "}\n";
  }
  return s.str();
}

TEST(Simulator, LinearPoliciesReachTheOracleWhenTheTruthIsLinear) {
  TempDir dir;
  const std::string path = (dir / "linear.jsonl").string();
  std::ofstream(path) << linear_stream(4000);
  SimOptions o;
  // Rewards here are ~0.25-0.45 (noise sd ~0.45, ten times the reference
  // workload's), so the exploration scales are set to match.
  o.specs = {"hybrid-linucb:alpha=0.5", "lints:v=0.3", "linucb:alpha=0.5", "uniform"};
  o.last = 1000;
  SimResult r = run_simulation(path, o);
  ASSERT_EQ(r.impressions, 4000u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_GT(r.policies[i].last.expected_lift(), 0.9) << r.policies[i].spec;
  }
  EXPECT_LT(std::abs(r.policies[3].last.expected_lift()), 0.1);
}

TEST(Simulator, TwoThreadsDecideExactlyAsOne) {
  // Without a router or sink the stream is parsed on one thread and learnt
  // from on another; with a sink everything runs on one thread. Same seed,
  // same stream: every decision, click and curve point must be identical
  // (the generated stream has 3,000 impressions: many batches of 256).
  TempDir dir;
  const std::string path = write_generated(dir, 3000, 500, 30);
  struct Recording : SimSink {
    std::vector<std::string> chosen;
    void on_decision(size_t, const Impression&, const engine::Request&, const engine::Decision& d,
                     int64_t) override {
      chosen.push_back(std::to_string(d.chosen) + "/" + std::to_string(d.propensity));
    }
    void on_reward(size_t, const engine::EventId&, std::string_view, double, int64_t) override {}
  } recording;
  SimOptions o;
  o.specs = {"hybrid-linucb", "lints:draws=256"};
  o.wait = 20;
  o.last = 500;
  SimResult two = run_simulation(path, o);
  o.sink = &recording;
  SimResult one = run_simulation(path, o);
  ASSERT_EQ(recording.chosen.size(), 6000u);
  ASSERT_EQ(two.impressions, one.impressions);
  for (size_t p = 0; p < o.specs.size(); ++p) {
    EXPECT_EQ(two.policies[p].all.clicks, one.policies[p].all.clicks) << o.specs[p];
    EXPECT_EQ(two.policies[p].all.expected, one.policies[p].all.expected) << o.specs[p];
    EXPECT_EQ(two.policies[p].last.clicks, one.policies[p].last.clicks) << o.specs[p];
    EXPECT_EQ(two.policies[p].cold.n, one.policies[p].cold.n) << o.specs[p];
    EXPECT_EQ(two.policies[p].model_version, one.policies[p].model_version) << o.specs[p];
    EXPECT_EQ(two.policies[p].curve, one.policies[p].curve) << o.specs[p];
  }
}

TEST(Simulator, AStaleModelCostsLiftAndTheLearnerBehindItStillLearns) {
  // The truth is linear: a learner deciding itself reaches the oracle. A
  // serving copy refreshed every 500 impressions trails it a little; one
  // never refreshed (N beyond the stream) decides as the untrained policy
  // all along, like uniform, while the learner behind it learned from
  // every decision all the same.
  TempDir dir;
  const std::string path = (dir / "linear.jsonl").string();
  std::ofstream(path) << linear_stream(4000);
  auto run = [&](uint64_t publish_every) {
    SimOptions o;
    o.specs = {"hybrid-linucb:alpha=0.5"};
    o.last = 1000;
    o.publish_every = publish_every;
    return run_simulation(path, o).policies[0];
  };
  PolicyResult fresh = run(1), every500 = run(500), never = run(1'000'000);
  EXPECT_GT(fresh.last.expected_lift(), 0.9);
  EXPECT_GT(every500.last.expected_lift(), 0.8);
  EXPECT_LT(every500.all.expected_lift(), fresh.all.expected_lift());
  EXPECT_LT(std::abs(never.last.expected_lift()), 0.25);
  EXPECT_EQ(never.model_version, fresh.model_version) << "the learner behind learned every decision";
  EXPECT_GT(never.model_version, 3900u);
}

struct CountingSink : SimSink {
  uint64_t decisions = 0, rewards = 0;
  void on_decision(size_t, const Impression&, const engine::Request&, const engine::Decision& d, int64_t) override {
    ++decisions;
    EXPECT_GT(d.propensity, 0.0);
  }
  void on_reward(size_t, const engine::EventId&, std::string_view kind, double, int64_t) override {
    ++rewards;
    EXPECT_EQ(kind, "click");
  }
};

TEST(Simulator, SinkSeesEveryDecisionAndClick) {
  TempDir dir;
  const std::string path = (dir / "linear.jsonl").string();
  std::ofstream(path) << linear_stream(500);
  CountingSink sink;
  SimOptions o;
  o.specs = {"lints", "fixed:default"};
  o.sink = &sink;
  SimResult r = run_simulation(path, o);
  EXPECT_EQ(sink.decisions, 1000u);
  EXPECT_EQ(sink.rewards, static_cast<uint64_t>(r.policies[0].all.clicks + r.policies[1].all.clicks));
}

// Plays and completions reach the sink exactly where the workload's draws
// say: a play only after a click, a completion only after a play.
TEST(Simulator, SinkSeesPlaysAndCompletionsWhereTheDrawsSay) {
  TempDir dir;
  const std::string path = write_generated(dir, 3000, 500, 20, nullptr, true);
  struct Expect {
    double p_play, p_complete, u_play, u_complete;
  };
  std::vector<Expect> draws;
  VariantCache variants;
  read_workload(path, variants, [&](const Impression& imp) {
    draws.push_back({imp.p_play, imp.p_complete, imp.u_play, imp.u_complete});
  });
  struct KindSink : SimSink {
    const std::vector<Expect>* draws = nullptr;
    size_t index = 0;
    std::map<std::string, int> kinds;
    int plays_due = 0, completions_due = 0;  // what the draws of the clicked say
    std::string last_kind;
    void on_decision(size_t, const Impression&, const engine::Request&, const engine::Decision&,
                     int64_t) override {
      ++index;
      last_kind.clear();
    }
    void on_reward(size_t, const engine::EventId&, std::string_view kind, double value,
                   int64_t) override {
      EXPECT_EQ(value, 1.0);
      const Expect& e = (*draws)[index - 1];
      if (kind == "click" && e.u_play < e.p_play) {
        ++plays_due;
        if (e.u_complete < e.p_complete) ++completions_due;
      }
      if (kind == "play") {
        EXPECT_EQ(last_kind, "click");
        EXPECT_LT(e.u_play, e.p_play);
      } else if (kind == "completion") {
        EXPECT_EQ(last_kind, "play");
        EXPECT_LT(e.u_complete, e.p_complete);
      }
      last_kind = kind;
      ++kinds[std::string(kind)];
    }
  } sink;
  sink.draws = &draws;
  SimOptions o;
  o.specs = {"uniform"};
  o.sink = &sink;
  const SimResult r = run_simulation(path, o);
  EXPECT_EQ(sink.kinds["click"], static_cast<int>(r.policies[0].all.clicks));
  EXPECT_EQ(sink.kinds["play"], sink.plays_due);
  EXPECT_EQ(sink.kinds["completion"], sink.completions_due);
  EXPECT_GT(sink.kinds["play"], 0);
  EXPECT_GT(sink.kinds["completion"], 0);
  EXPECT_LT(sink.kinds["play"], sink.kinds["click"]);
  EXPECT_LT(sink.kinds["completion"], sink.kinds["play"]);
}

// --truth writes the world's hidden part beside the workload without
// changing a byte of it: each title's popularity, each viewer's liked actors
// (affinity 0.8-2.0) and genres (0.5-1.0); the tastes the requests carry
// are mostly noisy copies of the liked ones (docs/SIM.md).
TEST(Simulator, TheHiddenTastesAreWrittenApart) {
  GeneratorOptions g;
  g.n = 2000;
  g.users = 300;
  g.titles = 40;
  std::ostringstream plain, with_truth, truth;
  generate_workload(g, plain);
  g.truth = &truth;
  generate_workload(g, with_truth);
  EXPECT_EQ(plain.str(), with_truth.str());

  std::map<int, nlohmann::json> viewers;
  size_t titles = 0;
  std::istringstream lines(truth.str());
  for (std::string line; std::getline(lines, line);) {
    auto d = nlohmann::json::parse(line);
    if (d.contains("title")) {
      ++titles;
      EXPECT_GT(d["popularity"].get<double>(), 0);
      continue;
    }
    const int user = d["user"];
    ASSERT_GE(d["actors"].size(), 2u);
    ASSERT_LE(d["actors"].size(), 12u);
    for (const auto& [actor, v] : d["actors"].items()) {
      EXPECT_GE(v.get<double>(), 0.8);
      EXPECT_LE(v.get<double>(), 2.0);
    }
    ASSERT_GE(d["genres"].size(), 1u);
    ASSERT_LE(d["genres"].size(), 3u);
    for (const auto& [genre, v] : d["genres"].items()) {
      EXPECT_GE(v.get<double>(), 0.5);
      EXPECT_LE(v.get<double>(), 1.0);
    }
    viewers[user] = std::move(d);
  }
  EXPECT_EQ(titles, 40u);
  ASSERT_EQ(viewers.size(), 300u);
  // The requests' actor tastes: a liked actor's noisy value, or a weak
  // spurious one; the strong ones are nearly all liked.
  size_t strong = 0, strong_liked = 0;
  std::istringstream stream(plain.str());
  for (std::string line; std::getline(stream, line);) {
    auto d = nlohmann::json::parse(line);
    const auto& liked = viewers.at(d["user"].get<int>())["actors"];
    for (const auto& [name, v] : d["user_features"].items()) {
      if (!name.starts_with("actor_") || v.get<double>() < 0.6) continue;
      ++strong;
      if (liked.contains(name.substr(6))) ++strong_liked;
    }
  }
  ASSERT_GT(strong, 1000u);
  EXPECT_GT(static_cast<double>(strong_liked) / static_cast<double>(strong), 0.95);
}

// --history writes each title's facts and each viewer's viewings before the
// stream; with profiles on, every request carries exactly the affinities a
// profile built by hand from those viewings gives at the impression's time
// (and none of the workload's own tastes when they are dropped).
// Every request carries exactly the tastes of a profile built by hand from
// the history lines: its shares, or (fitted) the tastes Population::fit
// makes of it against everyone's history.
void check_profiles_supply_the_tastes(bool fitted) {
  TempDir dir;
  GeneratorOptions g;
  g.n = 600;
  g.users = 40;
  g.titles = 15;
  g.history = true;
  g.history_days = 30;
  const std::string path = (dir / "wl.jsonl").string();
  {
    std::ofstream out(path);
    generate_workload(g, out);
  }
  std::map<std::string, profiles::TitleFacts> titles;
  std::vector<PlayLine> plays;
  std::vector<std::string> play_titles;
  size_t impressions = 0;
  VariantCache variants;
  WorkloadCallbacks read;
  read.impression = [&](const Impression&) { ++impressions; };
  read.title_facts = [&](const TitleFactsLine& t) {
    profiles::TitleFacts& f = titles[std::string(t.title)];
    f.id = t.title;
    for (const auto& [actor, role] : t.cast) f.cast.emplace_back(std::string(actor), *profiles::parse_role(role));
    for (auto genre : t.genres) f.genres.emplace_back(genre);
  };
  read.play = [&](const PlayLine& p) {
    EXPECT_LT(p.ts_offset_ms, 0);
    EXPECT_GE(p.ts_offset_ms, -30LL * 86'400'000 - 1);
    plays.push_back(p);
    play_titles.emplace_back(p.title);
  };
  read_workload(path, variants, read);
  EXPECT_EQ(impressions, 600u);
  EXPECT_EQ(titles.size(), 15u);
  ASSERT_GT(plays.size(), 100u);
  for (const auto& [id, facts] : titles) {
    ASSERT_GE(facts.cast.size(), 3u);
    EXPECT_EQ(facts.cast[0].second, profiles::Role::kLead) << id;  // in billing order
  }

  profiles::ProfileOptions po;
  po.fitted = fitted;
  struct Checker : SimSink {
    std::map<int64_t, profiles::ViewerProfile> expected;
    profiles::ProfileOptions po;
    size_t checked = 0, with_tastes = 0;
    void on_decision(size_t, const Impression& imp, const engine::Request& request,
                     const engine::Decision&, int64_t time_ms) override {
      std::map<std::string, double> want;  // what a decision is given: the strongest
      if (auto it = expected.find(imp.user); it != expected.end()) {
        it->second.for_each_taste(time_ms, po, [&](std::string_view feature, double value) {
          want[std::string(feature)] = value;
        });
      }
      for (const auto& [name, value] : want) {
        if (name.starts_with("actor_")) {
          EXPECT_DOUBLE_EQ(request.affinity(engine::feature_key(name)), value) << name;
          ++checked;
        }
      }
      // The workload's own actor tastes are gone unless the profile has them.
      for (const auto& [name, value] : imp.user_features) {
        if (name.starts_with("actor_") && !want.count(std::string(name))) {
          EXPECT_EQ(request.affinity(engine::feature_key(name)), 0.0) << name;
          ++with_tastes;
        }
      }
    }
    void on_reward(size_t, const engine::EventId&, std::string_view, double, int64_t) override {}
  } checker;
  checker.po = po;
  SimOptions o;
  o.fitted_profiles = fitted;
  o.specs = {"uniform"};
  o.profiles = true;
  o.without_tastes = true;
  o.sink = &checker;
  profiles::ViewerProfile everyone;  // everyone's history as one profile: the population
  for (size_t i = 0; i < plays.size(); ++i) {
    const PlayLine& p = plays[i];
    const profiles::Viewing viewing{
        .key = engine::fmix64(static_cast<uint64_t>(p.user) * 0x9e3779b97f4a7c15ULL ^
                              engine::feature_key(play_titles[i]) ^ static_cast<uint64_t>(p.ts_offset_ms)),
        .ts_ms = o.start_ms + p.ts_offset_ms, .seconds = p.seconds, .completed = p.completed};
    checker.expected[p.user].add(viewing, titles.at(play_titles[i]), po);
    everyone.add(viewing, titles.at(play_titles[i]), po);
  }
  if (fitted) {
    const profiles::Population population({titles.begin(), titles.end()},
                                          profiles::viewing_per_title(everyone, po), po);
    for (auto& [user, profile] : checker.expected) profile.set_fitted(population.fit(profile, po), po);
  }
  run_simulation(path, o);
  EXPECT_GT(checker.checked, 500u);
  EXPECT_GT(checker.with_tastes, 10u);
}

TEST(Simulator, ProfilesLearnedFromTheHistorySupplyTheTastes) { check_profiles_supply_the_tastes(false); }

TEST(Simulator, FittedProfilesSupplyTheTastesFittedAgainstEveryonesHistory) {
  check_profiles_supply_the_tastes(true);
}

TEST(SimCommand, ProfileTastesAreCheckedBeforeRunning) {
  TempDir dir;
  const std::string wl = (dir / "wl.jsonl").string();
  ASSERT_EQ(run_keyart({"sim", "generate", "--n", "100", "--out", wl}).exit_code, 0);
  auto r = run_keyart({"sim", "run", "--workload", wl, "--policy", "uniform", "--profile-tastes", "fitted"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--profile-tastes fitted needs --profiles"), std::string::npos) << r.err;
  r = run_keyart({"sim", "run", "--workload", wl, "--policy", "uniform", "--profiles", "--profile-tastes", "best"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--profile-tastes must be 'shares' or 'fitted', not 'best'"), std::string::npos) << r.err;
}

TEST(SimCommand, GenerateRunJsonAndPlot) {
  TempDir dir;
  const std::string wl = (dir / "wl.jsonl").string(), plot = (dir / "p.svg").string();
  auto g = run_keyart({"sim", "generate", "--n", "1500", "--seed", "2", "--users", "500",
                       "--titles", "20", "--out", wl});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  auto r = run_keyart({"sim", "run", "--workload", wl, "--policy", "hybrid-linucb", "--policy",
                       "beta-ts", "--json", "--plot", plot, "--last", "500"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["impressions"], 1500);
  ASSERT_EQ(j["policies"].size(), 2u);
  EXPECT_EQ(j["policies"][1]["last"]["impressions"], 500);
  EXPECT_GT(j["policies"][0]["all"]["oracle_ctr"].get<double>(),
            j["policies"][0]["all"]["random_ctr"].get<double>());
  EXPECT_GE(j["parse_share"].get<double>(), 0.0);
  EXPECT_NE(keyart::testing::read_text(plot).find("<svg"), std::string::npos);
  auto again = run_keyart({"sim", "run", "--workload", wl, "--policy", "hybrid-linucb", "--json"});
  EXPECT_EQ(nlohmann::json::parse(again.out)["policies"][0]["all"]["ctr"],
            j["policies"][0]["all"]["ctr"]);  // seeded: same decisions
  auto text = run_keyart({"sim", "run", "-w", wl, "-p", "uniform"});
  EXPECT_NE(text.out.find("parsing"), std::string::npos);
  EXPECT_NE(text.out.find("cold start"), std::string::npos);
}

TEST(SimCommand, BadInputGivesClearErrors) {
  TempDir dir;
  const std::string wl = (dir / "bad.jsonl").string();
  std::ofstream(wl) << linear_stream(2) << "{\"t\": 2, \"candidates\": [}\n";
  auto bad_spec = run_keyart({"sim", "run", "-w", wl, "-p", "linucb:alpha=-1"});
  EXPECT_EQ(bad_spec.exit_code, 2);
  EXPECT_NE(bad_spec.err.find("alpha must be >= 0"), std::string::npos);
  auto unknown = run_keyart({"sim", "run", "-w", wl, "-p", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown policy 'nope'"), std::string::npos);
  auto malformed = run_keyart({"sim", "run", "-w", wl, "-p", "uniform"});
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_NE(malformed.err.find("bad.jsonl:3"), std::string::npos) << malformed.err;
  auto missing = run_keyart({"sim", "run", "-w", (dir / "none.jsonl").string(), "-p", "uniform"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot open workload"), std::string::npos);
  auto plot = run_keyart({"sim", "run", "-w", wl, "-p", "uniform", "--plot", "x.png"});
  EXPECT_EQ(plot.exit_code, 2);
  // A line without its viewer is refused, not given the previous line's.
  const std::string no_user = (dir / "no_user.jsonl").string();
  std::string second = linear_stream(2).substr(linear_stream(1).size());
  const size_t at = second.find(",\"user\":");
  second.erase(at, second.find(',', at + 1) - at);
  std::ofstream(no_user) << linear_stream(1) << second;
  auto anonymous = run_keyart({"sim", "run", "-w", no_user, "-p", "uniform"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.err.find("no_user.jsonl:2: missing user"), std::string::npos)
      << anonymous.err;
  // Plays come with their chances and draws, all four or none.
  const std::string half = (dir / "half.jsonl").string();
  std::string line = linear_stream(1);
  line.insert(line.size() - 2, ",\"p_play\":0.5,\"u_play\":0.1");
  std::ofstream(half) << line;
  auto partial = run_keyart({"sim", "run", "-w", half, "-p", "uniform"});
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.err.find("half.jsonl:1: p_play, p_complete, u_play and u_complete go together"),
            std::string::npos)
      << partial.err;
}

}  // namespace
}  // namespace keyart::sim
