// Sample size and power for two proportions: R's documented example
// (?power.prop.test: "power.prop.test(p1 = .50, p2 = .75, power = .90)
// => n = 76.7"), Fleiss' formula evaluated with SciPy
// (tests/analysis/reference/stats_references.py), and a simulation: at
// the computed size, about the promised share of experiments detect the
// effect.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "keyart/analysis/stats/power.h"
#include "keyart/analysis/stats/proportion.h"

namespace keyart::analysis::stats {
namespace {

TEST(Power, RDocumentationExample) {
  PowerDesign d{.baseline = 0.5, .alpha = 0.05, .power = 0.9};
  double n = sample_size_per_arm(d, 0.25);
  EXPECT_NEAR(n, 76.7069284518, 1e-8);
  EXPECT_NEAR(std::round(n * 10) / 10, 76.7, 1e-12);
}

TEST(Power, FleissFormulaCases) {
  EXPECT_NEAR(sample_size_per_arm({.baseline = 0.05}, 0.005), 31233.4379401300, 1e-6);
  EXPECT_NEAR(sample_size_per_arm({.baseline = 0.05, .ratio = 2}, 0.01), 6186.7183477480, 1e-7);
  EXPECT_NEAR(power_for_sample_size({.baseline = 0.1}, 0.03, 1000), 0.556829125563, 1e-10);
}

TEST(Power, InversesAgree) {
  PowerDesign d{.baseline = 0.05, .alpha = 0.05, .power = 0.8};
  double n = sample_size_per_arm(d, 0.005);
  EXPECT_NEAR(power_for_sample_size(d, 0.005, n), 0.8, 1e-9);
  EXPECT_NEAR(minimum_detectable_effect(d, n), 0.005, 1e-9);
}

TEST(Power, BadDesignsAreNamed) {
  try {
    sample_size_per_arm({.baseline = 1.5}, 0.1);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("baseline"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sample_size_per_arm({.baseline = 0.05}, 0.0), std::invalid_argument);
  EXPECT_THROW(sample_size_per_arm({.baseline = 0.95}, 0.1), std::invalid_argument);
  EXPECT_THROW(sample_size_per_arm({.baseline = 0.05, .power = 1}, 0.01), std::invalid_argument);
  EXPECT_THROW(sample_size_per_arm({.baseline = 0.05, .ratio = 0}, 0.01), std::invalid_argument);
}

TEST(Power, SimulatedExperimentsReachThePromisedPower) {
  PowerDesign d{.baseline = 0.10, .alpha = 0.05, .power = 0.8};
  const double delta = 0.02;
  const int n = static_cast<int>(std::ceil(sample_size_per_arm(d, delta)));
  std::mt19937_64 rng(11);
  const int reps = 3000;
  int detected = 0;
  for (int i = 0; i < reps; ++i) {
    double a = std::binomial_distribution<int>(n, 0.10)(rng);
    double b = std::binomial_distribution<int>(n, 0.12)(rng);
    detected += two_proportion_z_test(a, n, b, n).p_value < 0.05;
  }
  // sd of the observed share over 3000 runs is 0.7 %.
  EXPECT_NEAR(detected / double(reps), 0.8, 0.025);
}

}  // namespace
}  // namespace keyart::analysis::stats
