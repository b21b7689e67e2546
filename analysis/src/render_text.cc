// The plain-text rendering: aligned tables for a terminal.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "format_util.h"
#include "render_common.h"
#include "text_table.h"
#include "keyart/analysis/report_format.h"

namespace keyart::analysis {

namespace {

// flagged: per arm, a guardrail flag (marked "FLAGGED" after the lift CI).
void print_arm_table(const ExperimentReport& r, const ArmTable& table, std::ostream& out,
                     bool share, const std::vector<bool>* flagged = nullptr) {
  const bool several = table.arms.size() > 2;
  std::vector<std::string> header = {"arm", "exposures", "units", "rewards", "rate",
                                     confidence_label(r) + " CI", "lift", "lift CI", "p"};
  if (several) header.push_back("p (Holm)");
  for (const char* h : {"P(beat ctrl)", "P(best)", "exp. loss"}) header.push_back(h);
  TextTable t(header);
  for (const ArmResult& a : table.arms) {
    std::vector<std::string> row = {
        a.arm_id + (a.is_control ? " (control)" : ""),
        format_count(static_cast<double>(a.exposures)),
        format_count(static_cast<double>(a.units)),
        format_count(a.rewards),
        format_value(share, a.rate.mean),
        format_value_interval(share, a.rate_interval),
        a.is_control ? "-" : format_percent(a.lift.value, 1, true),
        a.is_control ? "-"
                     : format_lift_interval(a.lift.interval) +
                           (flagged && (*flagged)[static_cast<size_t>(&a - table.arms.data())]
                                ? " FLAGGED"
                                : ""),
        a.is_control ? "-" : format_p(a.test.p_value)};
    if (several) row.push_back(a.is_control ? "-" : format_p(a.p_holm));
    row.push_back(a.is_control ? "-" : format_fixed(a.chance_to_beat_control, 3));
    row.push_back(format_fixed(a.chance_to_be_best, 3));
    row.push_back(format_value(share, a.expected_loss));
    t.add(row);
  }
  t.print(out);
}

}  // namespace

void render_text(const ExperimentReport& r, std::ostream& out) {
  const ledger::Experiment& e = r.experiment;
  out << "Experiment " << e.experiment_id << ": " << e.name << " (" << e.status << ", source "
      << e.source << ")\n";
  out << "Metric: " << r.metric << "    Data: " << data_range(r) << "\n";
  out << "Analysis: " << analysis_name(r.analysis) << " - "
      << analysis_description(r.analysis, r.binary_metric, r.variance) << "\n";
  out << "Totals: " << format_count(static_cast<double>(r.exposures)) << " exposures, "
      << format_count(r.rewards) << " " << r.metric << " rewards\n";
  if (!r.warnings.empty()) {
    out << "\n";
    for (const auto& w : r.warnings) out << "WARNING: " << w << "\n";
  }
  if (r.overall.arms.empty()) return;

  out << "\nArms (lift and tests against the control; P(beat ctrl), P(best) and expected loss "
         "from Beta(1,1) priors)\n";
  print_arm_table(r, r.overall, out, rate_is_share(r));
  if (r.cuped) {
    const CupedReport& c = *r.cuped;
    out << "\nCUPED (covariate: the viewer's " << r.metric << " from " << iso_time(c.window_start_ms)
        << " to " << iso_time(c.window_end_ms) << "; theta " << format_fixed(c.theta, 4) << "; "
        << format_count(static_cast<double>(c.viewers_with_history))
        << " viewers with history)\n";
    TextTable t({"arm", "viewers", "rate", "adjusted", confidence_label(r) + " CI", "lift",
                 "lift CI", "p", "variance reduction"});
    const bool share = rate_is_share(r);
    for (const CupedArmResult& a : c.arms) {
      t.add({a.arm_id + (a.is_control ? " (control)" : ""),
             format_count(static_cast<double>(a.viewers)), format_value(share, a.plain.mean),
             format_value(share, a.adjusted.mean), format_value_interval(share, a.adjusted_interval),
             a.is_control ? "-" : format_percent(a.lift.value, 1, true),
             a.is_control ? "-" : format_lift_interval(a.lift.interval),
             a.is_control ? "-" : format_p(a.test.p_value),
             format_percent(a.variance_reduction, 1)});
    }
    t.print(out);
  }
  for (const GuardrailResult& g : r.guardrails) {
    out << "\nGuardrail: " << guardrail_caption(g) << " (an arm is marked FLAGGED when its lift "
        << "interval reaches below -" << format_fixed(100 * r.guardrail_threshold, 1) << " %)\n";
    print_arm_table(r, g.table, out, rate_is_share(g.analysis, g.binary_metric), &g.flagged);
  }
  if (!r.verdicts.empty()) {
    out << "\nVerdict\n";
    for (const Verdict& v : r.verdicts) {
      out << "  " << v.arm_id << ": " << v.decision << " (" << v.reason << ")\n";
    }
    out << "  Rule: " << verdict_rule(r.confidence, r.guardrail_threshold, r.loss_threshold) << "\n";
  }

  out << "\nSample ratio: " << srm_summary(r) << "\n";
  if (!r.sequential.empty()) {
    out << "\nSequential test (mSPRT, tau = " << format_fixed(r.sequential_tau, 4)
        << "; valid however often you look):\n";
    for (const auto& s : r.sequential) out << "  " << sequential_summary(r, s) << "\n";
  }

  if (r.by.any()) {
    out << "\nSegments by " << segmentation_name(r.by) << "\n  " << segment_caveat(r) << "\n";
    for (const ArmTable& table : r.segments) {
      out << "\n  [" << segmentation_name(r.by) << " = " << table.segment << "]\n";
      print_arm_table(r, table, out, rate_is_share(r));
    }
  }

  if (!r.trend.empty()) {
    out << "\nTrend (daily rate per arm; cumulative lift against the control)\n";
    std::vector<std::string> header = {"day"};
    for (const auto& a : r.overall.arms) header.push_back(a.arm_id);
    for (const auto& a : r.overall.arms) {
      if (!a.is_control) header.push_back("cum. lift " + a.arm_id);
    }
    TextTable t(header);
    for (const TrendDay& d : r.trend) {
      std::vector<std::string> row = {iso_day(d.day_start_ms)};
      for (const auto& a : d.arms) row.push_back(format_rate(r, a.daily_rate));
      for (size_t i = 0; i < d.arms.size(); ++i) {
        if (r.overall.arms[i].is_control) continue;
        const auto& lift = d.arms[i].cumulative_lift;
        row.push_back(format_percent(lift.value, 1, true) + " " +
                      format_lift_interval(lift.interval));
      }
      t.add(row);
    }
    t.print(out);
  }

  if (!r.variants.empty()) {
    out << "\nVariants (rewards per exposure)\n";
    TextTable t({"variant", "title", "exposures", "rewards", "rate", confidence_label(r) + " CI"});
    for (const VariantResult& v : r.variants) {
      t.add({v.variant_id, v.title_id, format_count(static_cast<double>(v.exposures)),
             format_count(v.rewards),
             format_value(r.binary_metric, v.rate),
             format_value_interval(r.binary_metric, v.rate_interval)});
    }
    t.print(out);
  }
}

}  // namespace keyart::analysis
