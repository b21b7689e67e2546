// Holm adjustment (worked by hand, as in Holm 1979 / R's p.adjust) and the
// sample-ratio-mismatch chi-square (SciPy's chisquare).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "keyart/analysis/stats/multiple_testing.h"
#include "keyart/analysis/stats/sample_ratio.h"

namespace keyart::analysis::stats {
namespace {

TEST(Holm, WorkedByHand) {
  // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
  // the running maximum makes the last 0.06. R: p.adjust(p, "holm").
  std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  std::vector<double> adjusted = holm_adjust(p);
  EXPECT_NEAR(adjusted[0], 0.03, 1e-15);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-15);
  EXPECT_NEAR(adjusted[2], 0.06, 1e-15);
  EXPECT_NEAR(adjusted[3], 0.02, 1e-15);
}

TEST(Holm, CapsAtOneAndSkipsMissingTests) {
  std::vector<double> p = {0.5, kNaN, 0.4};
  std::vector<double> adjusted = holm_adjust(p);
  EXPECT_DOUBLE_EQ(adjusted[0], 0.8);  // m = 2: 0.4*2 = 0.8, then max(0.8, 0.5)
  EXPECT_TRUE(std::isnan(adjusted[1]));
  EXPECT_DOUBLE_EQ(adjusted[2], 0.8);
  std::vector<double> high = {0.7, 0.9};
  EXPECT_DOUBLE_EQ(holm_adjust(high)[0], 1.0);
  EXPECT_TRUE(holm_adjust(std::vector<double>{}).empty());
}

TEST(SampleRatio, MatchesScipyChiSquare) {
  {
    std::vector<double> obs = {50500, 49500}, shares = {0.5, 0.5};
    SampleRatioTest t = sample_ratio_test(obs, shares);
    EXPECT_NEAR(t.chi_square, 10.0, 1e-10);
    EXPECT_NEAR(t.p_value, 1.565402258003e-03, 1e-13);
    EXPECT_FALSE(t.alarm);  // 0.0016 is above the 0.001 alarm
  }
  {
    std::vector<double> obs = {10120, 10050, 9830}, shares = {1, 1, 1};
    SampleRatioTest t = sample_ratio_test(obs, shares);
    EXPECT_NEAR(t.chi_square, 4.58, 1e-10);
    EXPECT_DOUBLE_EQ(t.degrees_of_freedom, 2);
    EXPECT_NEAR(t.p_value, 1.012664618539e-01, 1e-12);
  }
  {
    std::vector<double> obs = {5000, 10400}, shares = {1.0 / 3, 2.0 / 3};
    SampleRatioTest t = sample_ratio_test(obs, shares);
    EXPECT_NEAR(t.chi_square, 5.194805194805, 1e-9);
    EXPECT_NEAR(t.p_value, 2.265449408009e-02, 1e-12);
  }
}

TEST(SampleRatio, AlarmsOnABrokenSplit) {
  std::vector<double> obs = {50000, 48000}, shares = {0.5, 0.5};
  SampleRatioTest t = sample_ratio_test(obs, shares);
  EXPECT_LT(t.p_value, 1e-9);
  EXPECT_TRUE(t.alarm);
}

TEST(SampleRatio, BadInput) {
  std::vector<double> two = {1, 2}, three = {1, 1, 1}, zero = {0.5, 0};
  EXPECT_THROW(sample_ratio_test(two, three), std::invalid_argument);
  EXPECT_THROW(sample_ratio_test(two, zero), std::invalid_argument);
  std::vector<double> none = {0, 0}, halves = {0.5, 0.5};
  EXPECT_TRUE(std::isnan(sample_ratio_test(none, halves).p_value));
}

}  // namespace
}  // namespace keyart::analysis::stats
