// Off-policy estimators: a five-row log worked by hand
// (tests/analysis/reference/stats_references.py), and simulated logs
// whose true target value is known, where the intervals must cover it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "keyart/analysis/stats/off_policy.h"

namespace keyart::analysis::stats {
namespace {

// reward, logging propensity, target probability, q(x, a_logged), sum pi q
const OffPolicySample kRows[] = {{1, 0.5, 1.0, 0.6, 0.7},
                                 {0, 0.25, 0.0, 0.2, 0.7},
                                 {1, 0.25, 1.0, 0.5, 0.5},
                                 {0, 0.5, 1.0, 0.4, 0.4},
                                 {1, 0.1, 0.5, 0.3, 0.35}};

TEST(OffPolicy, TinyLogByHand) {
  OffPolicyEstimator est;
  for (const auto& row : kRows) est.add(row);
  EXPECT_NEAR(est.ips().value, 2.2, 1e-12);
  EXPECT_NEAR(est.ips().se, 1.019803902719, 1e-11);
  EXPECT_NEAR(est.snips().value, 0.846153846154, 1e-11);
  EXPECT_NEAR(est.snips().se, 0.152474541145, 1e-11);
  EXPECT_NEAR(est.doubly_robust().value, 1.63, 1e-12);
  EXPECT_NEAR(est.doubly_robust().se, 0.731026675300, 1e-11);
  EXPECT_NEAR(est.ips().interval.lo, 2.2 - 1.959963984540054 * 1.019803902719, 1e-10);
  OffPolicyDiagnostics d = est.diagnostics();
  EXPECT_EQ(d.samples, 5);
  EXPECT_EQ(d.target_matches, 4);
  EXPECT_EQ(d.clipped, 0);
  EXPECT_NEAR(d.effective_sample_size, 3.448979591837, 1e-11);
  EXPECT_NEAR(d.mean_weight, 2.6, 1e-12);
  EXPECT_DOUBLE_EQ(d.min_propensity, 0.1);
  EXPECT_DOUBLE_EQ(d.max_weight, 5.0);
}

TEST(OffPolicy, ClippingIsCountedAndApplied) {
  OffPolicyEstimator est({.clip = 3.0});
  for (const auto& row : kRows) est.add(row);
  EXPECT_NEAR(est.ips().value, 1.6, 1e-12);
  EXPECT_EQ(est.diagnostics().clipped, 2);
  EXPECT_NEAR(est.diagnostics().effective_sample_size, 3.846153846154, 1e-11);
  EXPECT_DOUBLE_EQ(est.diagnostics().max_weight, 3.0);
}

TEST(OffPolicy, RejectsImpossiblePropensities) {
  OffPolicyEstimator est;
  EXPECT_THROW(est.add({.reward = 1, .logging_propensity = 0, .target_probability = 1}),
               std::invalid_argument);
  EXPECT_THROW(est.add({.reward = 1, .logging_propensity = 1.5, .target_probability = 1}),
               std::invalid_argument);
  EXPECT_THROW(est.add({.reward = 1, .logging_propensity = 0.5, .target_probability = -0.1}),
               std::invalid_argument);
  EXPECT_EQ(est.diagnostics().samples, 0);
  EXPECT_TRUE(std::isnan(est.ips().value));
  EXPECT_TRUE(std::isnan(est.snips().value));
}

// Three variants with click rates 4 %, 6 %, 9 % for viewers of type 0 and
// 8 %, 5 %, 3 % for type 1 (half the viewers each). The log is an
// epsilon-greedy policy that favours variant 0; the target always shows
// variant 1 to type 0 and variant 0 to type 1: true value (6 % + 8 %) / 2.
TEST(OffPolicy, IntervalsCoverTheTruthOnSimulatedLogs) {
  const double rates[2][3] = {{0.04, 0.06, 0.09}, {0.08, 0.05, 0.03}};
  const int target[2] = {1, 0};
  const double logging[3] = {0.6, 0.2, 0.2};
  const double truth = 0.07;
  std::mt19937_64 rng(3);
  std::discrete_distribution<int> pick({0.6, 0.2, 0.2});
  std::bernoulli_distribution type(0.5);
  int covered[3] = {0, 0, 0};
  const int reps = 300;
  for (int rep = 0; rep < reps; ++rep) {
    OffPolicyEstimator est;
    for (int i = 0; i < 20000; ++i) {
      int t = type(rng);
      int a = pick(rng);
      double r = std::bernoulli_distribution(rates[t][a])(rng);
      // A deliberately rough reward model: the mean rate of each variant.
      double q[3] = {0.06, 0.055, 0.06};
      est.add({.reward = r,
               .logging_propensity = logging[a],
               .target_probability = a == target[t] ? 1.0 : 0.0,
               .predicted_reward = q[a],
               .predicted_value = q[target[t]]});
    }
    covered[0] += est.ips().interval.lo <= truth && truth <= est.ips().interval.hi;
    covered[1] += est.snips().interval.lo <= truth && truth <= est.snips().interval.hi;
    covered[2] += est.doubly_robust().interval.lo <= truth &&
                  truth <= est.doubly_robust().interval.hi;
  }
  for (int k = 0; k < 3; ++k) {
    double share = covered[k] / double(reps);
    EXPECT_GT(share, 0.91) << "estimator " << k << " covered " << share;
    EXPECT_LT(share, 0.99) << "estimator " << k << " covered " << share;
  }
}

}  // namespace
}  // namespace keyart::analysis::stats
