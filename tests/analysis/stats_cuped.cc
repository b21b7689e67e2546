// CUPED (stats/cuped.h): a small example worked by hand, and a simulation
// with a known effect: the adjusted interval covers it at the nominal rate
// and is narrower when the covariate correlates with the outcome (about
// sqrt(1 - rho^2) as wide), as wide when it does not.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "keyart/analysis/stats/cuped.h"

namespace keyart::analysis::stats {
namespace {

// Control (x, y): (0,1) (1,2) (2,2) (3,4); treatment (1,2) (2,2) (3,4) (4,5).
//   control:   mean x 1.5, mean y 2.25, S_xx 5, S_xy 4.5, S_yy 4.75
//   treatment: mean x 2.5, mean y 3.25, S_xx 5, S_xy 5.5, S_yy 6.75
//   theta = (4.5 + 5.5) / (5 + 5) = 1; mean x over all units 2
//   adjusted: 2.25 - 1 (1.5 - 2) = 2.75 and 3.25 - 1 (2.5 - 2) = 2.75
//   Var(adjusted): (4.75 - 2 * 4.5 + 5) / 3 / 4 = 0.0625, (6.75 - 11 + 5) / 12 = 0.0625
//   Var(plain): 4.75 / 12 and 6.75 / 12; reductions 1 - 0.75/4.75 = 16/19, 1 - 0.75/6.75 = 8/9
TEST(StatsCuped, WorkedByHand) {
  CupedSums control, treatment;
  for (auto [x, y] : {std::pair{0.0, 1.0}, {1.0, 2.0}, {2.0, 2.0}, {3.0, 4.0}}) control.add(x, y);
  for (auto [x, y] : {std::pair{1.0, 2.0}, {2.0, 2.0}, {3.0, 4.0}, {4.0, 5.0}}) treatment.add(x, y);
  const CupedSums arms[] = {control, treatment};
  const CupedResult r = cuped(arms);
  EXPECT_NEAR(r.theta, 1.0, 1e-15);
  EXPECT_NEAR(r.arms[0].plain.mean, 2.25, 1e-15);
  EXPECT_NEAR(r.arms[0].adjusted.mean, 2.75, 1e-15);
  EXPECT_NEAR(r.arms[1].adjusted.mean, 2.75, 1e-15);
  EXPECT_NEAR(r.arms[0].adjusted.variance, 0.0625, 1e-15);
  EXPECT_NEAR(r.arms[1].adjusted.variance, 0.0625, 1e-15);
  EXPECT_NEAR(r.arms[0].plain.variance, 4.75 / 12, 1e-15);
  EXPECT_NEAR(r.arms[0].variance_reduction, 16.0 / 19, 1e-12);
  EXPECT_NEAR(r.arms[1].variance_reduction, 8.0 / 9, 1e-12);
  // With the population divisor every variance is 3/4 of the above.
  const CupedResult p = cuped(arms, VarianceDivisor::kPopulation);
  EXPECT_NEAR(p.arms[0].adjusted.variance, 0.0625 * 3 / 4, 1e-15);
  // A covariate that does not vary leaves everything as it was.
  CupedSums flat;
  for (double y : {1.0, 2.0, 4.0}) flat.add(7, y);
  const CupedSums one[] = {flat};
  const CupedResult f = cuped(one);
  EXPECT_TRUE(std::isnan(f.theta));
  EXPECT_EQ(f.arms[0].adjusted.mean, f.arms[0].plain.mean);
  EXPECT_EQ(f.arms[0].adjusted.variance, f.arms[0].plain.variance);
}

struct Coverage {
  double covered = 0, cuped_width = 0, plain_width = 0;
};

// reps experiments of n viewers an arm: X ~ N(5, 2), Y = 1 + slope X + N(0, 1.5),
// plus `effect` in the treatment. The 95 % interval of the adjusted
// difference, and of the plain one.
Coverage simulate(double slope, int reps, int n, uint64_t seed) {
  const double effect = 0.3;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> x_dist(5, 2), noise(0, 1.5);
  Coverage c;
  for (int rep = 0; rep < reps; ++rep) {
    CupedSums arms[2];
    for (int a = 0; a < 2; ++a) {
      for (int u = 0; u < n; ++u) {
        const double x = x_dist(rng);
        arms[a].add(x, 1 + slope * x + noise(rng) + (a == 1 ? effect : 0));
      }
    }
    const CupedResult r = cuped(arms);
    const double diff = r.arms[1].adjusted.mean - r.arms[0].adjusted.mean;
    const double se = std::sqrt(r.arms[1].adjusted.variance + r.arms[0].adjusted.variance);
    const double plain_se = std::sqrt(r.arms[1].plain.variance + r.arms[0].plain.variance);
    if (std::fabs(diff - effect) <= 1.959964 * se) c.covered += 1;
    c.cuped_width += 2 * 1.959964 * se / reps;
    c.plain_width += 2 * 1.959964 * plain_se / reps;
  }
  c.covered /= reps;
  return c;
}

TEST(StatsCuped, CoversAKnownEffectAndNarrowsWhenTheCovariateCorrelates) {
  // slope 0.8: rho = 1.6 / sqrt(2.56 + 2.25) = 0.73, sqrt(1 - rho^2) = 0.68.
  const Coverage correlated = simulate(0.8, 2000, 200, 11);
  EXPECT_NEAR(correlated.covered, 0.95, 0.015);  // 2000 runs: sd of the rate 0.005
  EXPECT_LT(correlated.cuped_width / correlated.plain_width, 0.72);
  EXPECT_GT(correlated.cuped_width / correlated.plain_width, 0.64);
  // No correlation: the same coverage, and (almost) no narrowing.
  const Coverage unrelated = simulate(0.0, 2000, 200, 12);
  EXPECT_NEAR(unrelated.covered, 0.95, 0.015);
  EXPECT_GT(unrelated.cuped_width / unrelated.plain_width, 0.99);
}

}  // namespace
}  // namespace keyart::analysis::stats
