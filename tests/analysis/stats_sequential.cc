// The mixture SPRT: one look against the formula of Johari et al. (2017)
// evaluated by hand (tests/analysis/reference/stats_references.py), and
// its promise checked by simulation: A/A tests peeked at 30 times keep
// their false-positive rate under alpha, while a fixed-horizon z-test
// peeked at as often does not.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "keyart/analysis/stats/proportion.h"
#include "keyart/analysis/stats/sequential.h"

namespace keyart::analysis::stats {
namespace {

TEST(Msprt, OneLookByHand) {
  SequentialLook a = msprt_look(0.004, 1e-6, 0.01, 0.05);
  EXPECT_NEAR(std::exp(a.log_likelihood_ratio), 2.740284192191e+02, 1e-8);
  EXPECT_NEAR(a.p_value, 3.649256536419e-03, 1e-14);
  EXPECT_NEAR(a.confidence_sequence.lo, 0.000726981376, 1e-12);
  EXPECT_NEAR(a.confidence_sequence.hi, 0.007273018624, 1e-12);
  SequentialLook b = msprt_look(0.001, 4e-6, 0.01, 0.05);
  EXPECT_NEAR(std::exp(b.log_likelihood_ratio), 2.211628521406e-01, 1e-12);
  EXPECT_DOUBLE_EQ(b.p_value, 1.0);
  EXPECT_NEAR(b.confidence_sequence.lo, -0.005203077794, 1e-12);
  EXPECT_NEAR(b.confidence_sequence.hi, 0.007203077794, 1e-12);
}

TEST(Msprt, UndefinedLooksAreIgnored) {
  AlwaysValidTest test;
  test.look(0.01, 0.0);  // no variance yet
  EXPECT_EQ(test.looks(), 0);
  EXPECT_TRUE(std::isnan(test.p_value()));
  test.look(0.004, 1e-6);
  test.look(0.001, 4e-6);  // a later, weaker look does not raise the p-value
  EXPECT_EQ(test.looks(), 2);
  EXPECT_NEAR(test.p_value(), 3.649256536419e-03, 1e-14);
}

TEST(Msprt, PeekingAtAATestsKeepsTheErrorRate) {
  std::mt19937_64 rng(77);
  const int experiments = 2000, looks = 30, per_look = 2000;
  const double rate = 0.05, alpha = 0.05;
  int sequential_rejections = 0, naive_rejections = 0;
  for (int e = 0; e < experiments; ++e) {
    AlwaysValidTest test(0.01, alpha);
    double sa = 0, sb = 0, n = 0;
    bool naive_rejected = false;
    for (int l = 0; l < looks; ++l) {
      sa += std::binomial_distribution<int>(per_look, rate)(rng);
      sb += std::binomial_distribution<int>(per_look, rate)(rng);
      n += per_look;
      double pa = sa / n, pb = sb / n;
      test.look(pb - pa, pa * (1 - pa) / n + pb * (1 - pb) / n);
      naive_rejected = naive_rejected || two_proportion_z_test(sa, n, sb, n).p_value < alpha;
    }
    sequential_rejections += test.p_value() < alpha;
    naive_rejections += naive_rejected;
  }
  const double sequential = sequential_rejections / double(experiments);
  const double naive = naive_rejections / double(experiments);
  // Binomial sd of a 5 % rate over 2000 runs is 0.5 %: allow three of them.
  EXPECT_LE(sequential, alpha + 0.015) << "always-valid false positives " << sequential;
  EXPECT_GT(naive, 0.15) << "peeking at a fixed-horizon test should break it: " << naive;
}

TEST(Msprt, DetectsARealEffect) {
  std::mt19937_64 rng(5);
  AlwaysValidTest test(0.01, 0.05);
  double sa = 0, sb = 0, n = 0;
  for (int l = 0; l < 30; ++l) {
    sa += std::binomial_distribution<int>(5000, 0.05)(rng);
    sb += std::binomial_distribution<int>(5000, 0.06)(rng);
    n += 5000;
    double pa = sa / n, pb = sb / n;
    test.look(pb - pa, pa * (1 - pa) / n + pb * (1 - pb) / n);
  }
  EXPECT_LT(test.p_value(), 0.001);
  EXPECT_LT(test.last().confidence_sequence.lo, 0.01);
  EXPECT_GT(test.last().confidence_sequence.lo, 0.0);
}

}  // namespace
}  // namespace keyart::analysis::stats
