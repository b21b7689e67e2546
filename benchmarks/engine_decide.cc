// Decide and update costs of each policy for 8 candidates with the default
// feature layout (dim 64, one block per style), a model warmed up on 20,000
// updates. "Decide" includes building the vectors from named features.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "keyart/engine/learner.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/random.h"
#include "keyart/engine/request.h"
#include "keyart/engine/variant.h"

namespace {

using namespace keyart::engine;

struct Fixture {
  std::vector<PreparedVariant> variants;
  std::vector<const PreparedVariant*> candidates;
  Fixture() {
    const char* styles[] = {"closeup", "group", "landscape", "text_heavy", "dark", "bright"};
    const char* colors[] = {"red", "blue", "black", "white", "purple"};
    Rng rng(1);
    for (int i = 0; i < 8; ++i) {
      NamedFeatures f;
      static const char* actors[] = {"none", "a1", "a2", "none", "a4", "a0", "none", "a2"};
      f.set("featured_actor", actors[i]);
      f.set("style", styles[rng.next() % 6]);
      f.set("color", colors[rng.next() % 5]);
      f.set("brightness", rng.uniform()).set("n_faces", static_cast<double>(i % 4));
      f.set("face_area", rng.uniform()).set("text_area", rng.uniform() * 0.3);
      f.set("colorfulness", rng.uniform());
      static const char* ids[] = {"t1_v0", "t1_v1", "t1_v2", "t1_v3", "t1_v4", "t1_v5", "t1_v6", "t1_v7"};
      variants.push_back(prepare_variant(ids[i], f));
    }
    for (const auto& v : variants) candidates.push_back(&v);
  }
  // A request like the workload's: ~10 user features, 3 context, 6 title.
  static void fill(Request& r, Rng& rng) {
    static const char* devices[] = {"tv", "mobile", "web", "tablet"};
    static const char* countries[] = {"US", "GB", "DE", "IN", "KR"};
    static const std::string actors[] = {"actor_a0", "actor_a1", "actor_a2", "actor_a3", "actor_a4"};
    static const std::string genres[] = {"genre_g1", "genre_g2", "genre_g3", "genre_g4"};
    r.reset("user42", "t1");
    for (int i = 0; i < 5; ++i) r.add_user(actors[i], rng.uniform());
    for (int i = 0; i < 4; ++i) r.add_user(genres[i], rng.uniform());
    r.add_user("activity", 1.3);
    r.add_context("device", devices[rng.next() % 4]);
    r.add_context("hour", static_cast<double>(rng.next() % 24));
    r.add_context("country", countries[rng.next() % 5]);
    r.add_title("genre_g2", 1);
    r.add_title("genre_g3", 1);
    static const std::string cast[] = {"cast_a0", "cast_a1", "cast_a2", "cast_a3"};
    for (const auto& c : cast) r.add_title(c, 1);
  }
  std::unique_ptr<Policy> warmed(const std::string& spec) {
    auto p = make_policy(spec);
    Rng rng(2);
    Request r;
    for (int i = 0; i < 20000; ++i) {
      fill(r, rng);
      ChoiceInput in = p->layout().build(r, candidates, 0);
      p->update(observation_of(in, static_cast<int>(rng.next() % 8)), rng.uniform() < 0.05);
    }
    return p;
  }
};

void BM_Decide(benchmark::State& state, const std::string& spec) {
  Fixture f;
  auto policy = f.warmed(spec);
  Rng rng(3);
  Request r;
  std::vector<double> p(8), s;
  uint64_t seed = 0;
  for (auto _ : state) {
    Fixture::fill(r, rng);
    ChoiceInput in = policy->layout().build(r, f.candidates, 0);
    Rng choice_rng(++seed);
    ChoiceOutput out{p, s, -1};
    policy->choose(in, choice_rng, r.workspace(), out);
    benchmark::DoNotOptimize(out.chosen);
  }
}

void BM_Update(benchmark::State& state, const std::string& spec) {
  Fixture f;
  auto policy = f.warmed(spec);
  Rng rng(4);
  Request r;
  Fixture::fill(r, rng);
  ChoiceInput in = policy->layout().build(r, f.candidates, 0);
  int i = 0;
  for (auto _ : state) {
    policy->update(observation_of(in, i % 8), (i % 20) == 0);
    ++i;
  }
}

void BM_LearnerDecideReward(benchmark::State& state, const std::string& spec) {
  Fixture f;
  LearnerOptions o;
  o.wait_ms = 1;
  o.seed = 5;
  Learner learner(spec, o);
  Rng rng(3);
  Request r;
  Decision d;
  int64_t now = 1'700'000'000'000;
  for (auto _ : state) {
    Fixture::fill(r, rng);
    DecideOptions opt;
    opt.now_ms = ++now;
    learner.expire(now);
    learner.decide(r, f.candidates, 0, opt, d);
    if (rng.uniform() < 0.05) learner.reward(d.event_id, "click", 1, now);
  }
}

const char* kSpecs[] = {"uniform", "fixed:default", "epsilon-greedy", "beta-ts", "linucb",
                        "hybrid-linucb", "hybrid-linucb:precision=double", "lints"};

int register_all() {
  for (const char* spec : kSpecs) {
    std::string name = "Decide/";
    name.append(spec);
    benchmark::RegisterBenchmark(name.c_str(), BM_Decide, std::string(spec));
  }
  for (const char* spec : {"epsilon-greedy", "beta-ts", "linucb", "hybrid-linucb", "lints"}) {
    std::string name = "Update/";
    name.append(spec);
    benchmark::RegisterBenchmark(name.c_str(), BM_Update, std::string(spec));
  }
  for (const char* spec : {"linucb", "hybrid-linucb"}) {
    std::string name = "LearnerDecideLearn/";
    name.append(spec);
    benchmark::RegisterBenchmark(name.c_str(), BM_LearnerDecideReward, std::string(spec));
  }
  return 0;
}
const int registered = register_all();

}  // namespace
