// Off-policy evaluation over a ledger written by the EventWriter: a log
// worked by hand (tests/analysis/reference/stats_references.py, "Off-policy
// report fixture"), the bookkeeping of rows a policy cannot act on, the
// fallback to a title's variants for empty candidate lists, and a simulated
// log whose target value is known, which the intervals must cover.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/report_ledger.h"
#include "sqlite.h"
#include "keyart/analysis/off_policy_report.h"

namespace keyart::analysis {
namespace {

using testing::ReportLedger;

OffPolicyReport evaluate(ReportLedger& f, const std::string& spec, OffPolicyOptions options = {}) {
  f.flush();
  if (!options.experiment_id) options.experiment_id = "e1";
  auto policy = make_builtin_target_policy(spec);
  return evaluate_off_policy(f.ledger, options, *policy);
}

TEST(OffPolicyLedger, HandWorkedLogWithCrossFittedRewardModel) {
  ReportLedger f;
  f.add_title("t1", 3);
  f.experiment("e1", {{"logged", 1.0}});
  struct Row {
    const char* variant;
    const char* device;
    double reward, propensity;
  };
  const Row rows[] = {{"t1-v1", "tv", 1, 0.5},      {"t1-v2", "tv", 1, 0.25},
                      {"t1-v2", "mobile", 0, 0.25}, {"t1-v3", "mobile", 1, 0.25},
                      {"t1-v2", "tv", 1, 0.25},     {"t1-v1", "mobile", 0, 0.5},
                      {"t1-v3", "tv", 0, 0.25},     {"t1-v2", "mobile", 1, 0.25},
                      {"t1-v1", "tv", 0, 0.5},      {"t1-v2", "tv", 0, 0.25}};
  int i = 0;
  for (const Row& r : rows) {
    ReportLedger::Row row{.arm = "logged", .unit = "u" + std::to_string(i),
                          .variant = r.variant, .ts = testing::kDay0 + 1000 * i++,
                          .device = std::string(r.device), .propensity = r.propensity};
    if (r.reward > 0) row.reward = r.reward;
    f.add(row);
  }
  f.flush();
  // Candidates in logged order for every row.
  f.ledger.db().exec(R"(UPDATE exposures SET candidates = '["t1-v1","t1-v2","t1-v3"]')");
  OffPolicyReport r = evaluate(f, "fixed:t1-v2");
  EXPECT_EQ(r.rows_read, 10);
  EXPECT_EQ(r.rows_used, 10);
  EXPECT_NEAR(r.ips.value, 1.2, 1e-12);
  EXPECT_NEAR(r.snips.value, 0.6, 1e-12);
  EXPECT_NEAR(r.doubly_robust.value, 0.685198135198, 1e-11);
  EXPECT_NEAR(r.doubly_robust.se, 0.497264166338, 1e-11);
  EXPECT_DOUBLE_EQ(r.diagnostics.min_propensity, 0.25);
  EXPECT_NEAR(r.logged.mean, 0.5, 1e-15);
}

TEST(OffPolicyLedger, RowsThePolicyCannotScoreAreCounted) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.add_title("t2", 2);
  f.experiment("e1", {{"logged", 1.0}});
  for (int i = 0; i < 10; ++i) {
    f.add({.arm = "logged", .unit = "u" + std::to_string(i), .variant = i < 6 ? "t1-v1" : "t2-v1",
           .ts = testing::kDay0 + i, .reward = 1.0, .title = i < 6 ? "t1" : "t2"});
  }
  f.flush();
  // Rows 1-2 list their candidates without the logged variant; the others
  // keep '[]', which means every variant of the title.
  f.ledger.db().exec(R"(UPDATE exposures SET candidates = '["t1-v2"]' WHERE exposure_id <= 2)");
  OffPolicyReport r = evaluate(f, "fixed:t1-v1");
  EXPECT_EQ(r.rows_read, 10);
  EXPECT_EQ(r.left_out_logged_not_candidate, 2);
  EXPECT_EQ(r.left_out_policy_cannot_act, 4);  // title t2: t1-v1 is not a candidate
  EXPECT_EQ(r.rows_used, 4);
  // Logged with propensity 0.5 and always chosen by the target: w = 2.
  EXPECT_NEAR(r.ips.value, 2.0, 1e-12);
  EXPECT_NEAR(r.snips.value, 1.0, 1e-12);
  EXPECT_NEAR(r.diagnostics.mean_weight, 2.0, 1e-12);

  EXPECT_THROW(make_builtin_target_policy("linucb:alpha=1"), ledger::LedgerError);
  EXPECT_THROW(make_builtin_target_policy("fixed:"), ledger::LedgerError);
  OffPolicyOptions unknown{.experiment_id = "nope"};
  auto policy = make_builtin_target_policy("uniform");
  EXPECT_THROW(evaluate_off_policy(f.ledger, unknown, *policy), ledger::LedgerError);
}

// Three variants, logged uniformly at random (propensity 1/3), with click
// rates that depend on the device: tv 3 %, 5 %, 8 %; mobile 6 %, 4 %, 2 %.
// Half the traffic is tv. The fixed policy "t1-v3" is worth
// (8 % + 2 %) / 2 = 5 %; "uniform" is worth the logged rate.
TEST(OffPolicyLedger, SimulatedLogCoversTheTruth) {
  ReportLedger f;
  f.add_title("t1", 3);
  f.experiment("e1", {{"logged", 1.0}});
  const double rates[2][3] = {{0.03, 0.05, 0.08}, {0.06, 0.04, 0.02}};
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = 60000;
  for (int i = 0; i < n; ++i) {
    const int device = u(rng) < 0.5 ? 0 : 1;
    const int variant = static_cast<int>(u(rng) * 3);
    f.add({.arm = "logged", .unit = "u" + std::to_string(i % 20000),
           .variant = "t1-v" + std::to_string(variant + 1), .ts = testing::kDay0 + i * 1000LL,
           .reward = u(rng) < rates[device][variant] ? std::optional<double>(1.0) : std::nullopt,
           .device = std::string(device == 0 ? "tv" : "mobile"), .propensity = 1.0 / 3});
  }
  OffPolicyReport fixed = evaluate(f, "fixed:t1-v3");
  const double truth = 0.05;
  for (const auto* e : {&fixed.ips, &fixed.snips, &fixed.doubly_robust}) {
    EXPECT_LE(e->interval.lo, truth);
    EXPECT_GE(e->interval.hi, truth);
    EXPECT_LT(e->se, 0.003);
  }
  EXPECT_NEAR(fixed.diagnostics.mean_weight, 1.0, 0.03);
  // The reward model knows the device, so DR is tighter than IPS.
  EXPECT_LT(fixed.doubly_robust.se, fixed.ips.se);

  OffPolicyReport uniform = evaluate(f, "uniform");
  EXPECT_NEAR(uniform.ips.value, uniform.logged.mean, 1e-12);  // every weight is 1
  EXPECT_NEAR(uniform.diagnostics.effective_sample_size, n, 1e-6);
  EXPECT_EQ(uniform.diagnostics.clipped, 0);

  OffPolicyReport clipped = evaluate(f, "fixed:t1-v3", {.clip = 2.0});
  EXPECT_EQ(clipped.diagnostics.clipped, clipped.diagnostics.target_matches);
  EXPECT_NEAR(clipped.ips.value, fixed.ips.value * 2 / 3, 1e-12);
  ASSERT_FALSE(clipped.warnings.empty());
  EXPECT_NE(clipped.warnings.back().find("clipped"), std::string::npos);
}

// A learning engine policy replayed over a uniformly logged log whose
// variants click at 2 %, 5 % and 9 %: epsilon-greedy soon prefers the third,
// so its value approaches p_best 9 % + p_other (2 % + 5 %) with
// p = floor/3 + (1 - floor) q, q_best = 1 - epsilon + epsilon/3, q_other =
// epsilon/3 (its documented mixing). The first rows, while it learns, pull
// the estimate down a little.
TEST(OffPolicyLedger, LearningEnginePolicyIsReplayed) {
  ReportLedger f;
  f.add_title("t1", 3);
  f.experiment("e1", {{"logged", 1.0}});
  const double rates[3] = {0.02, 0.05, 0.09};
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 60000; ++i) {
    const int variant = static_cast<int>(u(rng) * 3);
    f.add({.arm = "logged", .unit = "u" + std::to_string(i),
           .variant = "t1-v" + std::to_string(variant + 1), .ts = testing::kDay0 + i * 1000LL,
           .reward = u(rng) < rates[variant] ? std::optional<double>(1.0) : std::nullopt,
           .propensity = 1.0 / 3});
  }
  f.flush();
  auto policy = make_target_policy(f.ledger, "epsilon-greedy:epsilon=0.1,floor=0.03");
  EXPECT_TRUE(policy->learns());
  OffPolicyReport r = evaluate_off_policy(f.ledger, {.experiment_id = "e1"}, *policy);
  EXPECT_TRUE(r.learning_policy);
  EXPECT_EQ(r.rows_used, 60000);
  const double floor = 0.03, epsilon = 0.1;
  const double best = floor / 3 + (1 - floor) * (1 - epsilon + epsilon / 3);
  const double other = floor / 3 + (1 - floor) * epsilon / 3;
  const double converged = best * 0.09 + other * (0.02 + 0.05);
  for (const auto* e : {&r.ips, &r.snips, &r.doubly_robust}) {
    EXPECT_LT(e->value, converged + 3 * e->se);
    EXPECT_GT(e->value, converged - 3 * e->se - 0.003);  // the learning phase
    EXPECT_GT(e->value, r.logged.mean + 0.02);            // far better than uniform
  }
  // The engine's uniform gives every weight 1: IPS is the logged mean.
  auto uniform = make_target_policy(f.ledger, "uniform:floor=0");
  OffPolicyReport same = evaluate_off_policy(f.ledger, {.experiment_id = "e1"}, *uniform);
  EXPECT_NEAR(same.ips.value, same.logged.mean, 1e-9);

  EXPECT_THROW(make_target_policy(f.ledger, "linucb:alpha=banana"), ledger::LedgerError);
}

}  // namespace
}  // namespace keyart::analysis
