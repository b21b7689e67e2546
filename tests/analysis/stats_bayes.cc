// Bayesian chance to beat / be best and expected loss under Beta(1,1)
// priors, against closed forms that do not use quadrature: Evan Miller's
// finite sum for P(B > A) ("Formulas for Bayesian A/B Testing", 2015),
// Chris Stucchio's expected-loss formula ("Bayesian A/B Testing at VWO",
// 2015, eq. in section 3) and a 4e7-draw Monte Carlo for three arms, all in
// tests/analysis/reference/stats_references.py.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "keyart/analysis/stats/bayes.h"

namespace keyart::analysis::stats {
namespace {

TEST(Bayes, ChanceToBeatMatchesMillersClosedForm) {
  struct Case {
    double sc, nc, st, nt, expected;
  };
  const Case cases[] = {
      {200, 10000, 250, 10000, 0.991422775123},
      {10, 100, 12, 100, 0.670720465212},
      {0, 50, 0, 50, 0.5},
      {1500, 50000, 1580, 50000, 0.928408125954},
  };
  for (const Case& c : cases) {
    double p = chance_to_beat(Posterior::from_counts(c.st, c.nt), Posterior::from_counts(c.sc, c.nc));
    EXPECT_NEAR(p, c.expected, 1e-8) << c.st << "/" << c.nt << " vs " << c.sc << "/" << c.nc;
  }
}

TEST(Bayes, ExpectedLossMatchesStucchiosFormula) {
  {
    Posterior arms[] = {Posterior::from_counts(200, 10000), Posterior::from_counts(250, 10000)};
    std::vector<double> loss = expected_loss(arms);
    EXPECT_NEAR(loss[0], 5.005015778869e-03, 1e-10);
    EXPECT_NEAR(loss[1], 6.015578360126e-06, 1e-10);
  }
  {
    Posterior arms[] = {Posterior::from_counts(10, 100), Posterior::from_counts(12, 100)};
    std::vector<double> loss = expected_loss(arms);
    EXPECT_NEAR(loss[0], 2.929504393709e-02, 1e-9);
    EXPECT_NEAR(loss[1], 9.687200799834e-03, 1e-9);
  }
}

TEST(Bayes, ThreeArmsMatchMonteCarlo) {
  Posterior arms[] = {Posterior::from_counts(100, 2000), Posterior::from_counts(120, 2000),
                      Posterior::from_counts(110, 2000)};
  std::vector<double> best = chance_to_be_best(arms);
  // Monte Carlo (4e7 draws): 0.05006 0.71766 0.23228, standard error <= 8e-5.
  EXPECT_NEAR(best[0], 0.05006, 3e-4);
  EXPECT_NEAR(best[1], 0.71766, 3e-4);
  EXPECT_NEAR(best[2], 0.23228, 3e-4);
  // SciPy quad over the same densities agrees to 1e-8.
  EXPECT_NEAR(best[0], 0.0501184628, 1e-8);
  EXPECT_NEAR(best[1], 0.7176016591, 1e-8);
  EXPECT_NEAR(best[2], 0.2322798781, 1e-8);
  EXPECT_NEAR(std::accumulate(best.begin(), best.end(), 0.0), 1.0, 1e-12);
  std::vector<double> loss = expected_loss(arms);
  EXPECT_NEAR(loss[0], 0.0112268, 2e-6);
  EXPECT_NEAR(loss[1], 0.0012363, 2e-6);
  EXPECT_NEAR(loss[2], 0.0062306, 2e-6);
}

TEST(Bayes, NormalPosteriorsForNonBinaryRewards) {
  double p = chance_to_beat(Posterior::normal(1.32, 0.06), Posterior::normal(1.20, 0.05));
  EXPECT_NEAR(p, 0.937785062258, 1e-9);
}

TEST(Bayes, LargeCountsStayAccurate) {
  // 5 million exposures an arm: posteriors ~1e-4 wide. A treatment exactly
  // equal to the control is a coin flip, whatever the scale.
  Posterior a = Posterior::from_counts(250000, 5000000), b = Posterior::from_counts(250000, 5000000);
  Posterior c = Posterior::from_counts(251000, 5000000);
  EXPECT_NEAR(chance_to_beat(a, b), 0.5, 1e-9);
  EXPECT_NEAR(chance_to_beat(c, a), 0.926412001369, 1e-8);  // Miller's sum, 251001 terms
  Posterior arms[] = {a, b, c};
  std::vector<double> best = chance_to_be_best(arms);
  EXPECT_NEAR(best[0], best[1], 1e-9);
  EXPECT_NEAR(best[2], 0.8738086569, 1e-8);  // SciPy quad
}

TEST(Bayes, InvalidPosteriorsGiveNaN) {
  Posterior arms[] = {Posterior::normal(0.1, 0.0), Posterior::normal(0.2, 0.01)};
  EXPECT_TRUE(std::isnan(chance_to_be_best(arms)[0]));
  EXPECT_TRUE(std::isnan(expected_loss(arms)[1]));
}

}  // namespace
}  // namespace keyart::analysis::stats
