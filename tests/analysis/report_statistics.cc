// The experiment report's numbers on ledgers written with the real
// EventWriter, against values computed independently with SciPy / numpy
// (tests/analysis/reference/stats_references.py, "Report fixture"
// sections): per-arm rates and Wilson intervals, the z-test, the lift
// interval, Bayesian figures, Holm across arms, clustered variances, SRM,
// segments and the trend.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "analysis/report_ledger.h"
#include "keyart/analysis/experiment_report.h"
#include "keyart/engine/reward.h"

namespace keyart::analysis {
namespace {

using testing::ReportLedger;

ExperimentReport report(ReportLedger& f, ReportOptions options) {
  f.flush();
  if (options.experiment_id.empty()) options.experiment_id = "e1";
  return build_experiment_report(f.ledger, options);
}

TEST(ReportStatistics, TwoArmsPerExposure) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  f.add_units("control", 1000, 50, "c");
  f.add_units("treatment", 1000, 70, "t");
  ExperimentReport r = report(f, {.analysis = Analysis::kExposure});
  ASSERT_EQ(r.overall.arms.size(), 2u);
  const ArmResult& c = r.overall.arms[0];
  const ArmResult& t = r.overall.arms[1];
  EXPECT_TRUE(c.is_control);
  EXPECT_EQ(c.exposures, 1000);
  EXPECT_EQ(c.units, 1000);
  EXPECT_DOUBLE_EQ(c.rewards, 50);
  EXPECT_DOUBLE_EQ(c.rate.mean, 0.05);
  EXPECT_NEAR(c.rate_interval.lo, 0.038130262393, 1e-10);
  EXPECT_NEAR(c.rate_interval.hi, 0.065313820244, 1e-10);
  EXPECT_NEAR(t.rate_interval.lo, 0.055776364146, 1e-10);
  EXPECT_NEAR(t.rate_interval.hi, 0.087514648151, 1e-10);
  EXPECT_NEAR(t.test.p_value, 5.968560553243e-02, 1e-12);
  EXPECT_NEAR(t.lift.value, 0.4, 1e-12);
  EXPECT_NEAR(t.lift.interval.lo, -0.093285764054, 1e-9);
  EXPECT_NEAR(t.lift.interval.hi, 0.893285764054, 1e-9);
  EXPECT_NEAR(t.chance_to_beat_control, 0.969853178699, 1e-8);
  EXPECT_NEAR(t.chance_to_be_best, 0.969853178699, 1e-8);
  EXPECT_NEAR(c.expected_loss, 2.008509130244e-02, 1e-9);
  EXPECT_NEAR(t.expected_loss, 1.250114620513e-04, 1e-9);
  EXPECT_TRUE(std::isnan(c.lift.value));
  // One exposure per viewer: nothing to cluster, so the default analysis
  // gives the same rate and the design effect is exactly 1.
  ExperimentReport clustered = report(f, {});
  EXPECT_NEAR(clustered.overall.arms[1].design_effect, 1.0, 1e-12);
  EXPECT_NEAR(clustered.overall.arms[1].rate_interval.lo, 0.055776364146, 1e-9);
  EXPECT_FALSE(clustered.srm.alarm);
  EXPECT_NEAR(clustered.srm.p_value, 1.0, 1e-12);
}

// Decisions made with deferred activation and never activated were not
// shown: their exposures and their rewards count nowhere. The same ledger
// as TwoArmsPerExposure, plus such decisions (with clicks) in both arms and
// activated ones among the counted: the report gives exactly its figures.
TEST(ReportStatistics, DecisionsNeverShownAreLeftOut) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  auto mark = [&](std::string_view kind) {
    const ledger::Exposure& last = f.exposures.back();
    f.rewards.push_back({last.event_id, std::string(kind), 1, last.ts + 500});
  };
  for (int u = 0; u < 1000; ++u) {
    f.add({.arm = "control", .unit = "c" + std::to_string(u),
           .reward = u < 50 ? std::optional<double>(1.0) : std::nullopt});
  }
  for (int u = 0; u < 1000; ++u) {
    f.add({.arm = "treatment", .unit = "t" + std::to_string(u),
           .reward = u < 70 ? std::optional<double>(1.0) : std::nullopt});
    if (u % 3 == 0) {  // deferred, then shown
      mark(engine::kDeferredMark);
      mark(engine::kActivatedMark);
    }
  }
  for (int u = 0; u < 300; ++u) {
    f.add({.arm = "control", .unit = "hidden-c" + std::to_string(u),
           .reward = u < 100 ? std::optional<double>(1.0) : std::nullopt});
    mark(engine::kDeferredMark);
  }
  for (int u = 0; u < 200; ++u) {
    f.add({.arm = "treatment", .unit = "hidden-t" + std::to_string(u), .reward = 1.0});
    mark(engine::kDeferredMark);
  }
  ExperimentReport r = report(f, {.analysis = Analysis::kExposure});
  const ArmResult& c = r.overall.arms[0];
  const ArmResult& t = r.overall.arms[1];
  EXPECT_EQ(c.exposures, 1000);
  EXPECT_EQ(t.exposures, 1000);
  EXPECT_DOUBLE_EQ(c.rewards, 50);
  EXPECT_DOUBLE_EQ(t.rewards, 70);
  EXPECT_NEAR(t.test.p_value, 5.968560553243e-02, 1e-12);
  EXPECT_NEAR(t.lift.interval.lo, -0.093285764054, 1e-9);
  EXPECT_EQ(ledger::count_exposures(f.ledger), 2500);
}

// --variance: the relative lift's delta-method interval with each divisor,
// worked by hand. Control 5 of 20, treatment 9 of 20, per exposure:
//   p(1-p): control 0.25 * 0.75 = 0.1875, treatment 0.45 * 0.55 = 0.2475
//   population (n):   Var(C) = 0.1875/20 = 0.009375, Var(T) = 0.2475/20 = 0.012375
//   sample (n - 1):   Var(C) = 0.1875/19,            Var(T) = 0.2475/19
//   Var(lift) = Var(T)/C^2 + T^2 Var(C)/C^4
//     population: 0.012375/0.0625 + 0.2025 * 0.009375/0.00390625 = 0.198 + 0.486 = 0.684
//     sample:     0.684 * 20/19 = 0.72
//   lift 0.45/0.25 - 1 = 0.8; interval 0.8 +- 1.959964 * sqrt(Var(lift)):
//     population [-0.820974, 2.420974], sample [-0.863085, 2.463085]
// (the sample interval is sqrt(20/19) = 2.6 % wider).
TEST(ReportStatistics, VarianceDivisorSampleOrPopulation) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  f.add_units("control", 20, 5, "c");
  f.add_units("treatment", 20, 9, "t");
  const ExperimentReport sample = report(f, {.analysis = Analysis::kExposure});
  const ExperimentReport population =
      report(f, {.analysis = Analysis::kExposure, .variance = stats::VarianceDivisor::kPopulation});
  const stats::Lift& ls = sample.overall.arms[1].lift;
  const stats::Lift& lp = population.overall.arms[1].lift;
  EXPECT_NEAR(ls.value, 0.8, 1e-12);
  EXPECT_NEAR(ls.se * ls.se, 0.72, 1e-12);
  EXPECT_NEAR(lp.se * lp.se, 0.684, 1e-12);
  EXPECT_NEAR(ls.interval.lo, -0.863085, 1e-6);
  EXPECT_NEAR(ls.interval.hi, 2.463085, 1e-6);
  EXPECT_NEAR(lp.interval.lo, -0.820974, 1e-6);
  EXPECT_NEAR(lp.interval.hi, 2.420974, 1e-6);
  EXPECT_NEAR(sample.overall.arms[0].rate.variance, 0.1875 / 19, 1e-15);
  EXPECT_NEAR(population.overall.arms[0].rate.variance, 0.009375, 1e-15);
  EXPECT_EQ(population.variance, stats::VarianceDivisor::kPopulation);
}

// report compare: two experiments as two arms give the figures of
// TwoArmsPerExposure (the same counts, the SciPy references), the caveat,
// and no sample-ratio check.
TEST(ReportStatistics, CompareTwoExperimentsAsTwoArms) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("uniform", {{"logged", 1.0}});
  f.experiment("thompson", {{"logged", 1.0}});
  for (int u = 0; u < 1000; ++u) {
    f.add({.experiment = "uniform", .arm = "logged", .unit = "c" + std::to_string(u),
           .reward = u < 50 ? std::optional<double>(1.0) : std::nullopt});
    f.add({.experiment = "thompson", .arm = "logged", .unit = "t" + std::to_string(u),
           .ts = testing::kDay0 + 1, .reward = u < 70 ? std::optional<double>(1.0) : std::nullopt});
  }
  f.flush();
  ExperimentReport r =
      build_comparison_report(f.ledger, "uniform", "thompson", {.analysis = Analysis::kExposure});
  EXPECT_EQ(r.experiment.experiment_id, "uniform vs thompson");
  EXPECT_EQ(r.compared, (std::vector<std::string>{"uniform", "thompson"}));
  ASSERT_EQ(r.overall.arms.size(), 2u);
  const ArmResult& c = r.overall.arms[0];
  const ArmResult& t = r.overall.arms[1];
  EXPECT_EQ(c.arm_id, "uniform");
  EXPECT_TRUE(c.is_control);
  EXPECT_EQ(c.exposures, 1000);
  EXPECT_DOUBLE_EQ(t.rewards, 70);
  EXPECT_NEAR(t.test.p_value, 5.968560553243e-02, 1e-12);
  EXPECT_NEAR(t.lift.interval.lo, -0.093285764054, 1e-9);
  EXPECT_NEAR(t.chance_to_beat_control, 0.969853178699, 1e-8);
  EXPECT_TRUE(std::isnan(r.srm.p_value));
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings[0].rfind("NOT RANDOMISED", 0), 0u) << r.warnings[0];
  EXPECT_THROW(build_comparison_report(f.ledger, "uniform", "uniform", {}), ledger::LedgerError);
  EXPECT_THROW(build_comparison_report(f.ledger, "uniform", "nope", {}), ledger::LedgerError);
}

// Guardrails and the verdict (docs/REPORTS.md has the rule). Each arm's
// `units` viewers see one exposure; the first `clicks` click and the first
// `completions` complete.
void add_arm(ReportLedger& f, const std::string& arm, int units, int clicks, int completions) {
  for (int u = 0; u < units; ++u) {
    f.add({.arm = arm, .unit = arm + std::to_string(u),
           .reward = u < clicks ? std::optional<double>(1.0) : std::nullopt});
    if (u < completions) {
      const ledger::Exposure& x = f.exposures.back();
      f.rewards.push_back({x.event_id, "completion", 1.0, x.ts + 2000});
    }
    if (f.exposures.size() >= 4000) f.flush();
  }
}

ExperimentReport guarded(int clicks_c, int clicks_t, int completions_c, int completions_t,
                         int units, ReportOptions options = {}) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  add_arm(f, "control", units, clicks_c, completions_c);
  add_arm(f, "treatment", units, clicks_t, completions_t);
  options.analysis = Analysis::kExposure;
  if (options.guardrails.empty()) options.guardrails = {"completion"};
  return report(f, options);
}

TEST(ReportStatistics, AClickbaitArmBreaksItsGuardrail) {
  // More clicks (70 against 50 of 1000), fewer completions (200 against
  // 300): the completion lift is 0.2 / 0.3 - 1 = -1/3, its interval far
  // below -1 %.
  const ExperimentReport r = guarded(50, 70, 300, 200, 1000);
  ASSERT_EQ(r.guardrails.size(), 1u);
  const GuardrailResult& g = r.guardrails[0];
  EXPECT_EQ(g.metric, "completion");
  EXPECT_NEAR(g.table.arms[1].lift.value, -1.0 / 3, 1e-12);
  EXPECT_NEAR(g.table.arms[0].rate.mean, 0.3, 1e-15);
  EXPECT_FALSE(g.flagged[0]);  // the control is never flagged
  EXPECT_TRUE(g.flagged[1]);
  ASSERT_FALSE(r.warnings.empty());  // the summary says it first
  EXPECT_EQ(r.warnings[0].rfind("GUARDRAIL FLAGGED: completion of 'treatment' moved -33.3%", 0), 0u)
      << r.warnings[0];
  ASSERT_EQ(r.verdicts.size(), 1u);
  EXPECT_EQ(r.verdicts[0].decision, "guardrail broken");
  EXPECT_NE(r.verdicts[0].reason.find("completion"), std::string::npos);
  // The primary table is the report without guardrails.
  const ExperimentReport plain = guarded(50, 70, 300, 200, 1000, {.guardrails = {"none"}});
  EXPECT_TRUE(plain.guardrails.empty());
  EXPECT_EQ(plain.overall.arms[1].lift.value, r.overall.arms[1].lift.value);
}

TEST(ReportStatistics, VerdictsShipStopOrKeepRunning) {
  // 10,000 viewers an arm. Clicks 5 % against 7 %, completions 90 % and
  // 91 % (the completion lift's interval, about +1.1 % +- 0.8 %, stays
  // above -1 %): ship.
  ExperimentReport r = guarded(500, 700, 9000, 9100, 10'000);
  EXPECT_FALSE(r.guardrails[0].flagged[1]);
  EXPECT_GT(r.guardrails[0].table.arms[1].lift.interval.lo, -0.01);
  EXPECT_EQ(r.verdicts[0].decision, "ship") << r.verdicts[0].reason;
  // The same guardrail falling to 85 %: a drop of about 5.6 %, broken.
  r = guarded(500, 700, 9000, 8500, 10'000);
  EXPECT_EQ(r.verdicts[0].decision, "guardrail broken");
  // Clicks falling, 7 % to 5 %: stop, worse.
  r = guarded(700, 500, 9000, 9000, 10'000);
  EXPECT_EQ(r.verdicts[0].decision, "stop: worse than the control");
  // Equal clicks, equal completions: with a loss threshold of 5 % of the
  // control's rate neither choice can cost that much: no effect.
  r = guarded(500, 500, 9000, 9000, 10'000, {.loss_threshold = 0.05});
  EXPECT_EQ(r.verdicts[0].decision, "stop: no effect detected");
  // With the default 1 %, the same data are not enough yet.
  r = guarded(500, 500, 9000, 9000, 10'000);
  EXPECT_EQ(r.verdicts[0].decision, "keep running");
  // Too few viewers: a drop in completions cannot be ruled out (flagged,
  // not broken), and the verdict says so.
  r = guarded(5, 9, 90, 91, 100);
  EXPECT_TRUE(r.guardrails[0].flagged[1]);
  EXPECT_EQ(r.verdicts[0].decision, "keep running");
  EXPECT_NE(r.verdicts[0].reason.find("flagged"), std::string::npos);
}

TEST(ReportStatistics, GuardrailsComeFromTheExperimentAndTakeAnAnalysis) {
  ReportLedger f;
  f.add_title("t1", 2);
  ledger::Experiment e{.experiment_id = "e1", .name = "with guardrails",
                       .guardrails = {"completion:unit-share"}};
  for (const char* arm : {"control", "treatment"}) {
    e.arms.push_back({.arm_id = arm, .policy_spec = "uniform", .traffic_share = 0.5});
  }
  ledger::create_experiment(f.ledger, e);
  ledger::start_experiment(f.ledger, "e1", testing::kDay0 - 1000);
  add_arm(f, "control", 200, 10, 40);
  add_arm(f, "treatment", 200, 12, 30);
  const ExperimentReport r = report(f, {});
  ASSERT_EQ(r.guardrails.size(), 1u);
  EXPECT_EQ(r.guardrails[0].analysis, Analysis::kUnitShare);
  EXPECT_NEAR(r.guardrails[0].table.arms[0].rate.mean, 0.2, 1e-15);  // 40 of 200 viewers
  EXPECT_NEAR(r.guardrails[0].table.arms[1].lift.value, -0.25, 1e-12);
  EXPECT_THROW(report(f, {.guardrails = {"click"}}), ledger::LedgerError);  // the metric itself
  EXPECT_THROW(report(f, {.guardrails = {"completion:sideways"}}), ledger::LedgerError);
  EXPECT_FALSE(parse_guardrail("Completion"));
  EXPECT_EQ(parse_guardrail("play:per-unit")->analysis, Analysis::kPerUnit);
}

// One pass serves the primary metric and every guardrail (four metrics a
// pass, so six kinds take two): each guardrail's table must be exactly the
// report of that metric and analysis on its own, on a ledger where viewers
// repeat, days differ and rewards are not all 0/1.
TEST(ReportStatistics, EveryGuardrailTableIsItsMetricsOwnReport) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  const std::vector<std::string> kinds = {"click", "play", "completion", "k3", "k4", "k5"};
  uint64_t x = 7;
  auto next = [&] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(x >> 11) * 0x1.0p-53;
  };
  for (int i = 0; i < 3000; ++i) {
    const std::string arm = i % 2 ? "treatment" : "control";
    f.add({.arm = arm, .unit = arm + std::to_string(i % 400),
           .ts = testing::kDay0 + i * 3'600'000LL, .device = i % 3 ? "tv" : "mobile"});
    const ledger::Exposure& e = f.exposures.back();
    for (size_t k = 0; k < kinds.size(); ++k) {
      const double p = 0.05 * static_cast<double>(k + 1) + (arm == "treatment" ? 0.02 : 0.0);
      if (next() < p) {
        f.rewards.push_back({e.event_id, kinds[k], k == 4 ? 2.5 * next() : 1.0, e.ts + 10});
      }
    }
  }
  ReportOptions all{.by = {SegmentBy::kDevice},
                    .guardrails = {"play", "completion:per-unit", "k3:unit-share", "k4", "k5",
                                   "click:per-unit"}};
  const ExperimentReport r = report(f, all);
  ASSERT_EQ(r.guardrails.size(), 6u);
  // The primary tables are the report without guardrails.
  ReportOptions plain = all;
  plain.guardrails = {"none"};
  const ExperimentReport alone = report(f, plain);
  ASSERT_EQ(r.segments.size(), alone.segments.size());
  EXPECT_EQ(r.overall.arms[1].lift.value, alone.overall.arms[1].lift.value);
  EXPECT_EQ(r.segments[0].arms[1].rate.mean, alone.segments[0].arms[1].rate.mean);
  EXPECT_EQ(r.variants.size(), alone.variants.size());
  for (const GuardrailResult& g : r.guardrails) {
    SCOPED_TRACE(g.metric);
    const ExperimentReport own =
        report(f, {.metric = g.metric, .analysis = g.analysis, .guardrails = {"none"}});
    EXPECT_GT(own.rewards, 0);
    EXPECT_EQ(g.binary_metric, own.binary_metric);
    ASSERT_EQ(g.table.arms.size(), 2u);
    for (size_t a = 0; a < 2; ++a) {
      EXPECT_EQ(g.table.arms[a].exposures, own.overall.arms[a].exposures);
      EXPECT_EQ(g.table.arms[a].rewards, own.overall.arms[a].rewards);
      EXPECT_EQ(g.table.arms[a].rate.mean, own.overall.arms[a].rate.mean);
      EXPECT_EQ(g.table.arms[a].rate_interval.lo, own.overall.arms[a].rate_interval.lo);
    }
    EXPECT_EQ(g.table.arms[1].lift.interval.lo, own.overall.arms[1].lift.interval.lo);
    EXPECT_EQ(g.table.arms[1].test.p_value, own.overall.arms[1].test.p_value);
    ASSERT_EQ(g.sequential.size(), own.sequential.size());
    EXPECT_EQ(g.sequential[0].p_value, own.sequential[0].p_value);
  }
  EXPECT_FALSE(r.guardrails[3].binary_metric);  // k4's rewards run to 2.5
}

// --cuped through the ledger: the viewers of StatsCuped.WorkedByHand, with
// x clicks in an earlier experiment in the two weeks before e1 started and
// y clicks in e1 (one exposure per click), give its figures: theta 1,
// adjusted means 2.75 and 2.75, variances 0.0625, reductions 16/19, 8/9. A
// viewer's clicks before the window do not count.
TEST(ReportStatistics, CupedUsesEachViewersMetricBeforeTheStart) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("before", {{"only", 1.0}});
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  const int64_t week = 7 * 86'400'000LL;
  auto clicks = [&](const std::string& experiment, const std::string& arm, const std::string& unit,
                    int n, int64_t ts) {
    for (int i = 0; i < n; ++i) {
      f.add({.experiment = experiment, .arm = arm, .unit = unit, .ts = ts + i, .reward = 1.0});
    }
  };
  const int xs[2][4] = {{0, 1, 2, 3}, {1, 2, 3, 4}}, ys[2][4] = {{1, 2, 2, 4}, {2, 2, 4, 5}};
  for (int a = 0; a < 2; ++a) {
    const std::string arm = a == 0 ? "control" : "treatment";
    for (int u = 0; u < 4; ++u) {
      const std::string unit = arm + std::to_string(u);
      clicks("before", "only", unit, xs[a][u], testing::kDay0 - week);
      clicks("before", "only", unit, 3, testing::kDay0 - 3 * week);  // outside the window
      clicks("e1", arm, unit, ys[a][u], testing::kDay0 + 1000);
    }
  }
  ExperimentReport r = report(f, {.analysis = Analysis::kPerUnit, .cuped = true});
  ASSERT_TRUE(r.cuped);
  EXPECT_NEAR(r.cuped->theta, 1.0, 1e-12);
  EXPECT_EQ(r.cuped->viewers_with_history, 7);  // control0 had no exposure in the window
  ASSERT_EQ(r.cuped->arms.size(), 2u);
  EXPECT_EQ(r.cuped->arms[0].viewers, 4);
  EXPECT_NEAR(r.cuped->arms[0].plain.mean, 2.25, 1e-12);
  EXPECT_NEAR(r.cuped->arms[0].adjusted.mean, 2.75, 1e-12);
  EXPECT_NEAR(r.cuped->arms[1].adjusted.mean, 2.75, 1e-12);
  EXPECT_NEAR(r.cuped->arms[1].adjusted.variance, 0.0625, 1e-12);
  EXPECT_NEAR(r.cuped->arms[0].variance_reduction, 16.0 / 19, 1e-12);
  EXPECT_NEAR(r.cuped->arms[1].lift.value, 0.0, 1e-12);
  // The plain per-unit table is unchanged by it.
  EXPECT_NEAR(r.overall.arms[1].rate.mean, 3.25, 1e-12);
  EXPECT_THROW(report(f, {.analysis = Analysis::kClustered, .cuped = true}), ledger::LedgerError);
}

TEST(ReportStatistics, ThreeArmsHolmAndChanceToBeBest) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"a", 1.0 / 3}, {"b", 1.0 / 3}, {"c", 1.0 / 3}});
  f.add_units("a", 2000, 100, "a");
  f.add_units("b", 2000, 120, "b");
  f.add_units("c", 2000, 110, "c");
  ExperimentReport r = report(f, {.analysis = Analysis::kExposure});
  const auto& arms = r.overall.arms;
  EXPECT_NEAR(arms[1].test.p_value, 1.654161611641e-01, 1e-12);
  EXPECT_NEAR(arms[2].test.p_value, 4.783705628045e-01, 1e-12);
  EXPECT_NEAR(arms[1].p_holm, 3.308323223282e-01, 1e-12);
  EXPECT_NEAR(arms[2].p_holm, 4.783705628045e-01, 1e-12);
  // As in stats_bayes.cc (SciPy quad; Monte Carlo agrees to 3e-4).
  EXPECT_NEAR(arms[0].chance_to_be_best, 0.0501184628, 1e-8);
  EXPECT_NEAR(arms[1].chance_to_be_best, 0.7176016591, 1e-8);
  EXPECT_NEAR(arms[2].chance_to_be_best, 0.2322798781, 1e-8);
}

// Viewers seen several times: the clustered variance (Deng et al.) and the
// Wilson interval on the effective sample size, from numpy.
TEST(ReportStatistics, ClusteredByViewer) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  const int n_c[] = {1, 3, 2, 5, 1, 4, 2, 7}, y_c[] = {0, 1, 0, 2, 1, 1, 0, 3};
  for (int u = 0; u < 8; ++u) {
    for (int i = 0; i < n_c[u]; ++i) {
      f.add({.arm = "control", .unit = "c" + std::to_string(u), .ts = testing::kDay0 + i * 60'000,
             .reward = i < y_c[u] ? std::optional<double>(1.0) : std::nullopt});
    }
  }
  const int y_t[] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0};
  for (int u = 0; u < 10; ++u) {
    for (int i = 0; i < 2; ++i) {
      f.add({.arm = "treatment", .unit = "t" + std::to_string(u),
             .ts = testing::kDay0 + i * 60'000,
             .reward = i < y_t[u] ? std::optional<double>(1.0) : std::nullopt});
    }
  }
  ExperimentReport r = report(f, {});
  const ArmResult& c = r.overall.arms[0];
  const ArmResult& t = r.overall.arms[1];
  EXPECT_EQ(c.units, 8);
  EXPECT_EQ(c.exposures, 25);
  EXPECT_NEAR(c.rate.mean, 0.32, 1e-12);
  EXPECT_NEAR(c.rate.variance, 4.025782857143e-03, 1e-14);
  EXPECT_NEAR(t.rate.variance, 5.833333333333e-03, 1e-14);
  EXPECT_NEAR(t.test.p_value, 8.687765905137e-02, 1e-11);
  EXPECT_NEAR(t.lift.value, -0.53125, 1e-12);
  EXPECT_NEAR(t.lift.interval.lo, -1.033263081334, 1e-9);
  EXPECT_NEAR(t.lift.interval.hi, -0.029236918666, 1e-9);
  EXPECT_NEAR(c.rate_interval.lo, 0.213047296960, 1e-9);
  EXPECT_NEAR(c.rate_interval.hi, 0.449945809729, 1e-9);
  EXPECT_NEAR(t.rate_interval.lo, 0.056028381692, 1e-9);
  EXPECT_NEAR(t.rate_interval.hi, 0.344125196324, 1e-9);
  // The share of viewers who clicked: 5 of 8 and 3 of 10.
  ExperimentReport share = report(f, {.analysis = Analysis::kUnitShare});
  EXPECT_NEAR(share.overall.arms[0].rate.mean, 5.0 / 8, 1e-15);
  EXPECT_NEAR(share.overall.arms[1].rate.mean, 3.0 / 10, 1e-15);
  // Clicks per viewer: 8 / 8 and 3 / 10.
  ExperimentReport per_unit = report(f, {.analysis = Analysis::kPerUnit});
  EXPECT_NEAR(per_unit.overall.arms[0].rate.mean, 1.0, 1e-15);
  EXPECT_NEAR(per_unit.overall.arms[0].rate.variance, 1.428571428571e-01, 1e-12);
}

TEST(ReportStatistics, SampleRatioMismatchIsLoud) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  f.add_units("control", 600, 30, "c");
  f.add_units("treatment", 400, 20, "t");
  ExperimentReport r = report(f, {});
  // chi-square = (100^2/500) * 2 = 40 with 1 df: p = 2.54e-10 (scipy.stats.chi2.sf(40, 1)).
  EXPECT_NEAR(r.srm.chi_square, 40.0, 1e-9);
  EXPECT_NEAR(r.srm.p_value, 2.539628589e-10, 1e-17);
  EXPECT_TRUE(r.srm.alarm);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings.front().rfind("SAMPLE RATIO MISMATCH", 0), 0u) << r.warnings.front();
}

TEST(ReportStatistics, SegmentsTrendAndVariants) {
  ReportLedger f;
  f.add_title("t1", 3);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  // Day 0: tv viewers; day 1: mobile viewers. Treatment shows t1-v2.
  for (int day = 0; day < 2; ++day) {
    const std::string device = day == 0 ? "tv" : "mobile";
    for (int u = 0; u < 100; ++u) {
      const int64_t ts = testing::kDay0 + day * 86'400'000LL + u * 1000;
      f.add({.arm = "control", .unit = "c" + std::to_string(day) + "_" + std::to_string(u),
             .ts = ts, .reward = u < 10 + day ? std::optional<double>(1.0) : std::nullopt,
             .device = device, .hour = u % 24});
      f.add({.arm = "treatment", .unit = "t" + std::to_string(day) + "_" + std::to_string(u),
             .variant = "t1-v2", .ts = ts,
             .reward = u < 15 + 5 * day ? std::optional<double>(1.0) : std::nullopt,
             .device = device, .hour = u % 24});
    }
  }
  ExperimentReport r = report(f, {.by = {SegmentBy::kDevice}});
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].segment, "mobile");  // sorted
  EXPECT_DOUBLE_EQ(r.segments[0].arms[0].rewards, 11);
  EXPECT_DOUBLE_EQ(r.segments[0].arms[1].rewards, 20);
  EXPECT_DOUBLE_EQ(r.segments[1].arms[1].rewards, 15);
  // Holm over the two segment comparisons: the smaller p doubled.
  const double p_mobile = r.segments[0].arms[1].test.p_value;
  const double p_tv = r.segments[1].arms[1].test.p_value;
  const double lo = std::min(p_mobile, p_tv), hi = std::max(p_mobile, p_tv);
  const double holm_lo = std::min(1.0, 2 * lo), holm_hi = std::max(holm_lo, hi);
  EXPECT_NEAR(r.segments[0].arms[1].p_holm, p_mobile == lo ? holm_lo : holm_hi, 1e-15);
  EXPECT_NEAR(r.segments[1].arms[1].p_holm, p_tv == lo ? holm_lo : holm_hi, 1e-15);

  ASSERT_EQ(r.trend.size(), 2u);
  EXPECT_EQ(r.trend[0].day_start_ms, testing::kDay0);
  EXPECT_EQ(r.trend[1].arms[1].exposures, 100);
  EXPECT_NEAR(r.trend[0].arms[0].daily_rate, 0.10, 1e-15);
  EXPECT_NEAR(r.trend[1].arms[1].daily_rate, 0.20, 1e-15);
  // Cumulative after day 0: 15/100 against 10/100; after day 1 it is the total.
  EXPECT_NEAR(r.trend[0].arms[1].cumulative_lift.value, 0.5, 1e-12);
  EXPECT_NEAR(r.trend[1].arms[1].cumulative_lift.value, r.overall.arms[1].lift.value, 1e-12);
  ASSERT_EQ(r.sequential.size(), 1u);
  EXPECT_EQ(r.sequential[0].looks, 2);

  ASSERT_EQ(r.variants.size(), 2u);
  EXPECT_EQ(r.variants[0].exposures, 200);
  EXPECT_EQ(r.variants[0].title_id, "t1");
  EXPECT_EQ(r.variants[0].kind, "external");

  ExperimentReport by_hour = report(f, {.by = {SegmentBy::kHour}, .hour_bucket = 6});
  ASSERT_EQ(by_hour.segments.size(), 4u);
  EXPECT_EQ(by_hour.segments[0].segment, "00-05");
  EXPECT_EQ(by_hour.segments[3].segment, "18-23");
  int64_t total = 0;
  for (const auto& s : by_hour.segments) total += s.arms[0].exposures + s.arms[1].exposures;
  EXPECT_EQ(total, 400);

  // Two dimensions: device then hour bucket, each segment a pair. Counted
  // from the rows above: hours u % 24 in 0..5 for u in 0..99 are 28 viewers
  // per arm and day; of them, those with u < 10 (tv control) or u < 20
  // (mobile treatment) rewarded are u = 0..5.
  ExperimentReport pairs =
      report(f, {.by = {SegmentBy::kDevice, SegmentBy::kHour}, .hour_bucket = 6});
  ASSERT_EQ(pairs.segments.size(), 8u);
  EXPECT_EQ(pairs.segments[0].segment, "mobile / 00-05");
  EXPECT_EQ(pairs.segments[7].segment, "tv / 18-23");
  EXPECT_EQ(pairs.segments[0].arms[0].exposures, 28);
  EXPECT_DOUBLE_EQ(pairs.segments[0].arms[1].rewards, 6);
  EXPECT_EQ(pairs.segments[4].segment, "tv / 00-05");
  EXPECT_DOUBLE_EQ(pairs.segments[4].arms[0].rewards, 6);
  total = 0;
  for (const auto& s : pairs.segments) total += s.arms[0].exposures + s.arms[1].exposures;
  EXPECT_EQ(total, 400);
  EXPECT_EQ(segmentation_name(pairs.by), "device,hour");
  EXPECT_TRUE(parse_segmentation("country,variant"));
  for (const char* bad : {"device,device", "none,device", "device,none", "device,", "x", "a,b,c"}) {
    EXPECT_FALSE(parse_segmentation(bad)) << bad;
  }

  // A time range keeps day 1 only.
  ExperimentReport day1 = report(f, {.since_ms = testing::kDay0 + 86'400'000LL});
  EXPECT_EQ(day1.exposures, 200);
  EXPECT_DOUBLE_EQ(day1.overall.arms[1].rewards, 20);
}

TEST(ReportStatistics, ManyBatchesKeepEveryRowInOrder) {
  // The pass hands rows to its applier thread in batches of 4096 through a
  // queue of four: 36,000 exposures (repeat viewers, rewards, three days)
  // cross many batches and fill the queue. Every count is tallied here as
  // the rows are written.
  ReportLedger f;
  f.add_title("t1", 2);
  const std::vector<std::string> arms = {"a", "b", "c"};
  f.experiment("e1", {{"a", 0.4}, {"b", 0.3}, {"c", 0.3}});
  const int per_arm = 12'000, viewers = 3'000;
  std::map<std::string, int> rewards;
  std::map<std::pair<int, std::string>, int> day_exposures, day_rewards;
  std::map<std::string, std::set<std::string>> units_with_reward;
  for (int i = 0; i < per_arm; ++i) {
    const int day = i * 3 / per_arm;
    for (size_t a = 0; a < arms.size(); ++a) {
      const std::string unit = arms[a] + std::to_string(i % viewers);
      const bool click = (i + static_cast<int>(a)) % 7 == 0;
      f.add({.arm = arms[a], .unit = unit, .variant = a == 0 ? "t1-v1" : "t1-v2",
             .ts = testing::kDay0 + day * 86'400'000LL + i * 1000LL,
             .reward = click ? std::optional<double>(1.0) : std::nullopt});
      ++day_exposures[{day, arms[a]}];
      if (click) {
        ++rewards[arms[a]];
        ++day_rewards[{day, arms[a]}];
        units_with_reward[arms[a]].insert(unit);
      }
    }
  }
  ExperimentReport r = report(f, {});
  EXPECT_EQ(r.exposures, 3 * per_arm);
  ASSERT_EQ(r.overall.arms.size(), 3u);
  for (size_t a = 0; a < arms.size(); ++a) {
    const ArmResult& arm = r.overall.arms[a];
    EXPECT_EQ(arm.exposures, per_arm) << arms[a];
    EXPECT_EQ(arm.units, viewers) << arms[a];
    EXPECT_DOUBLE_EQ(arm.rewards, rewards[arms[a]]) << arms[a];
    EXPECT_EQ(arm.units_with_reward, static_cast<int64_t>(units_with_reward[arms[a]].size()))
        << arms[a];
  }
  ASSERT_EQ(r.trend.size(), 3u);
  for (int day = 0; day < 3; ++day) {
    EXPECT_EQ(r.trend[day].day_start_ms, testing::kDay0 + day * 86'400'000LL);
    for (size_t a = 0; a < arms.size(); ++a) {
      EXPECT_EQ(r.trend[day].arms[a].exposures, (day_exposures[{day, arms[a]}])) << day;
      EXPECT_DOUBLE_EQ(r.trend[day].arms[a].rewards, (day_rewards[{day, arms[a]}])) << day;
    }
  }
  ASSERT_EQ(r.variants.size(), 2u);
  EXPECT_EQ(r.variants[0].exposures + r.variants[1].exposures, 3 * per_arm);
}

TEST(ReportStatistics, NonBinaryRewardsUseNormalMethods) {
  ReportLedger f;
  f.add_title("t1", 2);
  f.experiment("e1", {{"control", 0.5}, {"treatment", 0.5}});
  for (int u = 0; u < 50; ++u) {
    f.add({.arm = "control", .unit = "c" + std::to_string(u), .reward = 10.0 + u % 5,
           .kind = "minutes"});
    f.add({.arm = "treatment", .unit = "t" + std::to_string(u), .reward = 11.0 + u % 5,
           .kind = "minutes"});
  }
  ExperimentReport r = report(f, {.metric = "minutes", .analysis = Analysis::kExposure});
  EXPECT_FALSE(r.binary_metric);
  // Control values 10..14 repeated: mean 12, sample variance 2 * 50/49.
  EXPECT_NEAR(r.overall.arms[0].rate.mean, 12.0, 1e-12);
  EXPECT_NEAR(r.overall.arms[0].rate.variance, 2.0 * 50 / 49 / 50, 1e-12);
  const double z = 1.0 / std::sqrt(2 * 2.0 / 49);
  EXPECT_NEAR(r.overall.arms[1].test.z, z, 1e-9);
  EXPECT_NEAR(r.overall.arms[1].chance_to_beat_control, 0.5 * std::erfc(-z / std::sqrt(2.0)), 1e-9);
}

}  // namespace
}  // namespace keyart::analysis
