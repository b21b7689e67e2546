// Unit-level (clustered) rates: the delta-method variance against numpy's
// sample covariances (tests/analysis/reference/stats_references.py), and
// a simulation showing why it matters: with viewers who differ in their
// click propensity and see a title many times, the independent-exposure
// interval under-covers while the clustered one keeps its 95 %.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "keyart/analysis/stats/proportion.h"
#include "keyart/analysis/stats/unit_moments.h"

namespace keyart::analysis::stats {
namespace {

const double kN[] = {1, 3, 2, 5, 1, 4, 2, 7};
const double kY[] = {0, 1, 0, 2, 1, 1, 0, 3};

UnitMoments reference_units() {
  UnitMoments m;
  for (int i = 0; i < 8; ++i) m.add_unit(kN[i], kY[i], kY[i]);  // 0/1 rewards: r^2 sum = y
  return m;
}

TEST(UnitMoments, MatchesDengDeltaMethodWithNumpy) {
  UnitMoments m = reference_units();
  MeanEstimate clustered = clustered_rate(m);
  EXPECT_NEAR(clustered.mean, 0.32, 1e-15);
  EXPECT_NEAR(clustered.variance, 4.025782857143e-03, 1e-14);
  MeanEstimate naive = exposure_rate(m);
  EXPECT_NEAR(naive.variance, 9.066666666667e-03, 1e-14);
  MeanEstimate share = unit_share(m);
  EXPECT_NEAR(share.mean, 0.625, 1e-15);
  EXPECT_NEAR(share.variance, 2.929687500000e-02, 1e-14);
  MeanEstimate per_unit = rewards_per_unit(m);
  EXPECT_NEAR(per_unit.mean, 1.0, 1e-15);
  EXPECT_NEAR(per_unit.variance, 1.428571428571e-01, 1e-12);
  EXPECT_NEAR(design_effect(m), 4.025782857143e-03 / 9.066666666667e-03, 1e-12);
}

TEST(UnitMoments, ExposureByExposureEqualsUnitByUnit) {
  // Interleave the units' exposures as a time-ordered log would.
  UnitMoments incremental;
  std::vector<double> n(8, 0), y(8, 0);
  for (int round = 0; round < 7; ++round) {
    for (int u = 0; u < 8; ++u) {
      if (n[u] >= kN[u]) continue;
      // The unit's clicks come on its first y exposures.
      double r = n[u] < kY[u] ? 1 : 0;
      incremental.add_exposure(n[u], y[u], r);
      n[u] += 1;
      y[u] += r;
    }
  }
  UnitMoments whole = reference_units();
  EXPECT_DOUBLE_EQ(incremental.units, whole.units);
  EXPECT_DOUBLE_EQ(incremental.units_with_reward, whole.units_with_reward);
  EXPECT_DOUBLE_EQ(incremental.sum_n2, whole.sum_n2);
  EXPECT_DOUBLE_EQ(incremental.sum_y2, whole.sum_y2);
  EXPECT_DOUBLE_EQ(incremental.sum_ny, whole.sum_ny);
  EXPECT_DOUBLE_EQ(incremental.sum_r2, whole.sum_r2);
}

TEST(UnitMoments, NegativeRewardsMoveAUnitOutOfTheRewardedShare) {
  UnitMoments m;
  m.add_exposure(0, 0, 1.0);   // unit rewarded
  m.add_exposure(1, 1, -1.0);  // its sum falls back to 0
  EXPECT_DOUBLE_EQ(m.units, 1);
  EXPECT_DOUBLE_EQ(m.units_with_reward, 0);
}

TEST(UnitMoments, UndefinedWithoutEnoughUnits) {
  UnitMoments empty;
  EXPECT_FALSE(clustered_rate(empty).defined());
  EXPECT_FALSE(exposure_rate(empty).defined());
  EXPECT_FALSE(unit_share(empty).defined());
  UnitMoments one;
  one.add_unit(10, 2, 2);
  EXPECT_FALSE(clustered_rate(one).defined());
  EXPECT_TRUE(std::isnan(design_effect(one)));
}

// 400 simulated arms of 300 viewers; each viewer has a click propensity
// drawn from Beta(0.5, 9.5) (mean 5 %) and sees the title 1..40 times.
TEST(UnitMoments, ClusteredIntervalsCoverWhereNaiveOnesDoNot) {
  std::mt19937_64 rng(20240611);
  std::gamma_distribution<double> ga(0.5, 1.0), gb(9.5, 1.0);
  std::uniform_int_distribution<int> views(1, 40);
  const double truth = 0.05;  // E[clicks]/E[exposures] with n independent of p
  int clustered_cover = 0, naive_cover = 0;
  const int reps = 400;
  for (int rep = 0; rep < reps; ++rep) {
    UnitMoments m;
    for (int u = 0; u < 300; ++u) {
      double a = ga(rng), b = gb(rng);
      double p = a / (a + b);
      int n = views(rng);
      int y = std::binomial_distribution<int>(n, p)(rng);
      m.add_unit(n, y, y);
    }
    Interval c = normal_interval(clustered_rate(m), 0.95);
    Interval naive = wilson_interval(m.rewards, m.exposures);
    clustered_cover += c.lo <= truth && truth <= c.hi;
    naive_cover += naive.lo <= truth && truth <= naive.hi;
  }
  const double clustered = clustered_cover / double(reps), naive = naive_cover / double(reps);
  EXPECT_GT(clustered, 0.91) << "clustered coverage " << clustered;
  EXPECT_LT(clustered, 0.98) << "clustered coverage " << clustered;
  EXPECT_LT(naive, 0.80) << "naive coverage " << naive;
}

}  // namespace
}  // namespace keyart::analysis::stats
