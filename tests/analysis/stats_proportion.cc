// Wilson intervals, z-tests and the relative lift, against published values
// and tests/analysis/reference/stats_references.py (SciPy 1.10).
#include <gtest/gtest.h>

#include <cmath>

#include "keyart/analysis/stats/lift.h"
#include "keyart/analysis/stats/proportion.h"

namespace keyart::analysis::stats {
namespace {

TEST(NormalHelpers, QuantilesAndTails) {
  EXPECT_NEAR(z_for_confidence(0.95), 1.959963984540054, 1e-12);
  EXPECT_NEAR(z_for_confidence(0.90), 1.644853626951472, 1e-12);
  EXPECT_NEAR(two_sided_p_value(1.959963984540054), 0.05, 1e-12);
  EXPECT_NEAR(normal_cdf(-1), 0.15865525393145707, 1e-14);
  EXPECT_NEAR(chi_square_upper_tail(3.841458820694124, 1), 0.05, 1e-12);
  EXPECT_THROW(z_for_confidence(1.0), std::invalid_argument);
  EXPECT_TRUE(std::isnan(two_sided_p_value(kNaN)));
}

// Newcombe (1998), "Two-sided confidence intervals for the single
// proportion: comparison of seven methods", Statistics in Medicine 17,
// Table II, method 3 (score interval) gives these to four decimals; the
// longer figures are SciPy's binomtest(...).proportion_ci(method='wilson').
TEST(Wilson, NewcombeWorkedExamples) {
  struct Case {
    double k, n, lo, hi, newcombe_lo, newcombe_hi;
  };
  const Case cases[] = {
      {81, 263, 0.255288519878, 0.366209576983, 0.2553, 0.3662},
      {15, 148, 0.062386399531, 0.160487241723, 0.0624, 0.1605},
      {0, 20, 0.0, 0.161125158053, 0.0, 0.1611},
      {1, 29, 0.006113214293, 0.171755218793, 0.0061, 0.1718},
  };
  for (const Case& c : cases) {
    Interval ci = wilson_interval(c.k, c.n);
    EXPECT_NEAR(ci.lo, c.lo, 1e-10) << c.k << "/" << c.n;
    EXPECT_NEAR(ci.hi, c.hi, 1e-10) << c.k << "/" << c.n;
    EXPECT_NEAR(ci.lo, c.newcombe_lo, 5e-5);
    EXPECT_NEAR(ci.hi, c.newcombe_hi, 5e-5);
  }
}

TEST(Wilson, EdgesAndOtherLevels) {
  Interval all = wilson_interval(29, 29);
  EXPECT_NEAR(all.lo, 0.883030201500, 1e-10);
  EXPECT_DOUBLE_EQ(all.hi, 1.0);
  Interval big = wilson_interval(512, 10000);
  EXPECT_NEAR(big.lo, 0.047049863664, 1e-10);
  EXPECT_NEAR(big.hi, 0.055694813274, 1e-10);
  Interval ninety = wilson_interval(81, 263, 0.90);
  EXPECT_NEAR(ninety.lo, 0.263313617188, 1e-10);
  EXPECT_NEAR(ninety.hi, 0.356566349608, 1e-10);
  EXPECT_FALSE(wilson_interval(0, 0).defined());
  EXPECT_FALSE(wilson_interval(5, 3).defined());
}

TEST(TwoProportionZTest, MatchesPearsonChiSquare) {
  // SciPy chi2_contingency(correction=False); z = sign * sqrt(chi2).
  ZTest a = two_proportion_z_test(200, 10000, 250, 10000);
  EXPECT_NEAR(a.z, 2.383995132841, 1e-10);
  EXPECT_NEAR(a.p_value, 1.712582887220e-02, 1e-12);
  EXPECT_NEAR(a.difference, 0.005, 1e-15);
  ZTest b = two_proportion_z_test(30, 1000, 45, 1200);
  EXPECT_NEAR(b.z, 0.965279599848, 1e-10);
  EXPECT_NEAR(b.p_value, 3.344047868222e-01, 1e-11);
  // Swapping the arms flips the sign, not the p-value.
  ZTest swapped = two_proportion_z_test(250, 10000, 200, 10000);
  EXPECT_NEAR(swapped.z, -a.z, 1e-12);
  EXPECT_NEAR(swapped.p_value, a.p_value, 1e-15);
}

TEST(TwoProportionZTest, UndefinedWithoutInformation) {
  EXPECT_TRUE(std::isnan(two_proportion_z_test(0, 1000, 0, 1000).p_value));  // no rewards
  EXPECT_TRUE(std::isnan(two_proportion_z_test(10, 10, 5, 5).p_value));      // all rewards
  EXPECT_TRUE(std::isnan(two_proportion_z_test(0, 0, 5, 50).p_value));       // empty arm
}

TEST(MeanDifferenceZTest, WelchNormalApproximation) {
  ZTest t = mean_difference_z_test({1.20, 0.0025}, {1.32, 0.0036});
  EXPECT_NEAR(t.z, 1.536442559195, 1e-10);
  EXPECT_NEAR(t.p_value, 1.244298754847e-01, 1e-12);
  EXPECT_TRUE(std::isnan(mean_difference_z_test({1, 0}, {1, 0}).p_value));
}

TEST(RelativeLift, DeltaMethodOnTheRatio) {
  const double pc = 0.02, pt = 0.025;
  Lift lift = relative_lift({pt, pt * (1 - pt) / 10000}, {pc, pc * (1 - pc) / 10000});
  EXPECT_NEAR(lift.value, 0.25, 1e-12);
  EXPECT_NEAR(lift.se, 0.117260393996, 1e-11);
  EXPECT_NEAR(lift.interval.lo, 0.020173850956, 1e-10);
  EXPECT_NEAR(lift.interval.hi, 0.479826149044, 1e-10);
}

TEST(RelativeLift, UndefinedAgainstAZeroControl) {
  Lift lift = relative_lift({0.01, 1e-6}, {0.0, 0.0});
  EXPECT_TRUE(std::isnan(lift.value));
  EXPECT_FALSE(lift.interval.defined());
  // A treatment with no rewards is a lift of -100 % with a finite interval.
  Lift zero = relative_lift({0.0, 0.0}, {0.02, 0.02 * 0.98 / 1000});
  EXPECT_DOUBLE_EQ(zero.value, -1.0);
  EXPECT_TRUE(zero.interval.defined());
}

}  // namespace
}  // namespace keyart::analysis::stats
