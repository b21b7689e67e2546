// Every policy: probabilities sum to 1 and respect the floor, the sample is
// drawn from exactly those probabilities, seeds make decisions repeatable,
// and the exact probability formulas of the simple policies.
#include <gtest/gtest.h>

#include <cmath>

#include "../../engine/src/exploration.h"
#include "engine_test_helpers.h"

namespace keyart::engine {
namespace {

const char* kSpecs[] = {
    "fixed:v2",          "fixed:default,floor=0.1", "uniform",
    "epsilon-greedy:epsilon=0.2,floor=0.05",        "beta-ts:floor=0.02",
    "linucb:alpha=0.3",  "hybrid-linucb:alpha=0.3,floor=0.03",
    "lints:v=0.2,floor=0.05",                       "lints:v=0.2,arm=1,dim=16",
};

struct World {
  std::vector<PreparedVariant> vars;
  std::vector<const PreparedVariant*> cands;
  World() {
    const char* styles[] = {"closeup", "group", "dark", "closeup", "bright"};
    for (int i = 0; i < 5; ++i) {
      NamedFeatures f;
      f.set("style", styles[i]);
      f.set("featured_actor", i % 2 ? "a1" : "none");
      f.set("color", i < 2 ? "red" : "blue");
      f.set("brightness", 0.1 * i);
      vars.push_back(prepare_variant("v" + std::to_string(i), f));
    }
    cands = test::pointers(vars);
  }
  ChoiceInput request(Request& r, const Policy& p, Rng& rng) {
    r.reset("unit" + std::to_string(rng.next() % 5), "title");
    r.add_user("actor_a1", rng.uniform());
    r.add_user("genre_g1", rng.uniform());
    r.add_context("device", rng.uniform() < 0.5 ? "tv" : "mobile");
    r.add_context("hour", static_cast<double>(rng.next() % 24));
    return p.layout().build(r, cands, 2);
  }
};

TEST(Policies, ProbabilitiesSumToOneAndRespectTheFloor) {
  World w;
  for (const char* spec : kSpecs) {
    auto policy = make_policy(spec);
    Rng rng(11);
    Request request;
    for (int step = 0; step < 400; ++step) {
      ChoiceInput in = w.request(request, *policy, rng);
      auto c = test::choose(*policy, in, step, request.workspace());
      double sum = 0;
      const double k = static_cast<double>(in.candidates.size());
      for (double p : c.p) {
        sum += p;
        EXPECT_GE(p, policy->floor() / k - 1e-15) << spec;
      }
      ASSERT_NEAR(sum, 1.0, 1e-12) << spec;
      ASSERT_GE(c.chosen, 0);
      ASSERT_GT(c.p[c.chosen], 0) << spec;
      double r = rng.uniform() < 0.1 + 0.15 * c.chosen ? 1.0 : 0.0;
      policy->update(observation_of(in, c.chosen), r);
    }
  }
}

TEST(Policies, SameSeedSameDecision) {
  World w;
  for (const char* spec : kSpecs) {
    auto policy = make_policy(spec);
    Rng rng(5);
    Request request;
    for (int step = 0; step < 50; ++step) {
      ChoiceInput in = w.request(request, *policy, rng);
      auto a = test::choose(*policy, in, 1000 + step, request.workspace());
      auto b = test::choose(*policy, in, 1000 + step, request.workspace());
      EXPECT_EQ(a.chosen, b.chosen) << spec;
      EXPECT_EQ(a.p, b.p) << spec;
      policy->update(observation_of(in, a.chosen), step % 3 == 0);
    }
  }
}

TEST(Policies, ChoiceIsSampledFromTheReportedProbabilities) {
  // Fixed model state, 40000 seeds: each candidate's frequency must match
  // its probability within 4.5 standard errors.
  World w;
  auto policy = make_policy("lints:v=0.3,floor=0.2");
  Rng rng(2);
  Request request;
  for (int step = 0; step < 200; ++step) {
    ChoiceInput in = w.request(request, *policy, rng);
    policy->update(observation_of(in, step % 5), step % 5 == 1 ? 1.0 : 0.0);
  }
  ChoiceInput in = w.request(request, *policy, rng);
  const int n = 40000;
  std::vector<double> count(in.candidates.size(), 0.0), prob(in.candidates.size(), 0.0);
  for (int s = 0; s < n; ++s) {
    auto c = test::choose(*policy, in, 77 + s, request.workspace());
    count[c.chosen] += 1;
    for (size_t i = 0; i < prob.size(); ++i) prob[i] += c.p[i] / n;
  }
  for (size_t i = 0; i < prob.size(); ++i) {
    double se = std::sqrt(prob[i] * (1 - prob[i]) / n);
    EXPECT_NEAR(count[i] / n, prob[i], 4.5 * se + 1e-9) << "candidate " << i;
  }
}

TEST(Policies, FixedShowsTheNamedOrDefaultVariant) {
  World w;
  Request request;
  Rng rng(1);
  auto fixed = make_policy("fixed:v3");
  ChoiceInput in = w.request(request, *fixed, rng);  // default index 2
  auto c = test::choose(*fixed, in, 1, request.workspace());
  EXPECT_EQ(c.chosen, 3);
  EXPECT_DOUBLE_EQ(c.p[3], 1.0);
  auto missing = make_policy("fixed:nope");
  EXPECT_EQ(test::choose(*missing, in, 1, request.workspace()).chosen, 2);
  auto def = make_policy("fixed:default,floor=0.1");
  c = test::choose(*def, in, 1, request.workspace());
  EXPECT_DOUBLE_EQ(c.p[2], 0.1 / 5 + 0.9);
  EXPECT_DOUBLE_EQ(c.p[0], 0.1 / 5);
}

TEST(Policies, EpsilonGreedyProbabilitiesByHand) {
  // Means: v0 = 1/2, v1 = 1/1 (best), others unseen (0). epsilon 0.2, floor
  // 0.05, K = 5: q_best = 0.2/5 + 0.8 = 0.84, q_other = 0.04;
  // p = 0.05/5 + 0.95 q -> 0.808 and 0.048.
  World w;
  auto policy = make_policy("epsilon-greedy:epsilon=0.2,floor=0.05");
  Request request;
  Rng rng(1);
  ChoiceInput in = w.request(request, *policy, rng);
  policy->update(observation_of(in, 0), 1.0);
  policy->update(observation_of(in, 0), 0.0);
  policy->update(observation_of(in, 1), 1.0);
  auto c = test::choose(*policy, in, 1, request.workspace());
  EXPECT_NEAR(c.p[1], 0.808, 1e-12);
  for (int i : {0, 2, 3, 4}) EXPECT_NEAR(c.p[i], 0.048, 1e-12);
  EXPECT_DOUBLE_EQ(c.scores[0], 0.5);
}

TEST(Policies, LinUcbTiesSplitEvenly) {
  World w;
  auto policy = make_policy("linucb:alpha=0,floor=0.1");
  Request request;
  Rng rng(1);
  ChoiceInput in = w.request(request, *policy, rng);
  auto c = test::choose(*policy, in, 1, request.workspace());  // all scores 0
  for (double p : c.p) EXPECT_NEAR(p, 0.2, 1e-15);
}

TEST(ThompsonProbabilities, TwoCandidatesAreExact) {
  // Scores N([0.3, 0.1], [[0.04, 0.01], [0.01, 0.09]]): P(first max) =
  // Phi(0.2 / sqrt(0.04 + 0.09 - 0.02)) = Phi(0.6030227) = 0.7267532 (normal table, interpolated).
  std::vector<double> mean = {0.3, 0.1}, cov = {0.04, 0.01, 0.01, 0.09}, q(2), scratch(8);
  Rng rng(1);
  EXPECT_EQ(gaussian_argmax_distribution(mean, cov, rng, q, scratch), 0);
  EXPECT_NEAR(q[0], 0.7267532, 1e-6);
  EXPECT_NEAR(q[0] + q[1], 1.0, 1e-15);
}

TEST(ThompsonProbabilities, MonteCarloMeetsTheRelativeErrorGoal) {
  // Three independent normals; the reference is a numerical integral
  // P(i max) = int phi_i(x) prod_j Phi_j(x) dx (Simpson, 20001 points).
  std::vector<double> mean = {0.0, 0.2, -0.1}, sd = {0.3, 0.2, 0.5};
  std::vector<double> cov(9, 0.0);
  for (int i = 0; i < 3; ++i) cov[i * 3 + i] = sd[i] * sd[i];
  auto Phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
  double ref[3] = {0, 0, 0};
  const int m = 20000;
  const double lo = -3.0, hi = 3.0, h = (hi - lo) / m;
  for (int t = 0; t <= m; ++t) {
    double x = lo + t * h, wgt = (t == 0 || t == m) ? 1 : (t % 2 ? 4 : 2);
    for (int i = 0; i < 3; ++i) {
      double f = std::exp(-0.5 * std::pow((x - mean[i]) / sd[i], 2)) / (sd[i] * std::sqrt(2 * M_PI));
      for (int j = 0; j < 3; ++j) {
        if (j != i) f *= Phi((x - mean[j]) / sd[j]);
      }
      ref[i] += wgt * f * h / 3;
    }
  }
  // Over many estimates, the leader's relative error has sd <= ~2%.
  const int reps = 200;
  double sq = 0;
  std::vector<double> q(3), scratch(9 + 6);
  for (int r = 0; r < reps; ++r) {
    Rng rng(100 + r);
    int n = gaussian_argmax_distribution(mean, cov, rng, q, scratch);
    EXPECT_GE(n, 256);
    sq += std::pow((q[1] - ref[1]) / ref[1], 2);
  }
  EXPECT_LT(std::sqrt(sq / reps), 0.025);
  EXPECT_GT(ref[1], 0.5);
}

}  // namespace
}  // namespace keyart::engine
