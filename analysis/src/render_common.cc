#include "render_common.h"

#include <cmath>
#include <sstream>

#include "format_util.h"

namespace keyart::analysis {

bool rate_is_share(Analysis analysis, bool binary_metric) {
  return analysis == Analysis::kUnitShare || (binary_metric && analysis != Analysis::kPerUnit);
}

bool rate_is_share(const ExperimentReport& report) {
  return rate_is_share(report.analysis, report.binary_metric);
}

std::string guardrail_caption(const GuardrailResult& g) {
  return g.metric + " (" + analysis_name(g.analysis) + ")";
}

const Verdict* verdict_of(const ExperimentReport& report, const std::string& arm_id) {
  for (const Verdict& v : report.verdicts) {
    if (v.arm_id == arm_id) return &v;
  }
  return nullptr;
}

std::string format_value(bool share, double x) {
  return share ? format_percent(x, 3) : format_fixed(x, 4);
}

std::string format_value_interval(bool share, const stats::Interval& ci) {
  if (!ci.defined()) return kNotAvailable;
  return bracketed(format_value(share, ci.lo), format_value(share, ci.hi));
}

std::string format_rate(const ExperimentReport& report, double rate) {
  return format_value(rate_is_share(report), rate);
}

std::string format_rate_interval(const ExperimentReport& report, const stats::Interval& ci) {
  return format_value_interval(rate_is_share(report), ci);
}

std::string format_lift_interval(const stats::Interval& ci) {
  if (!ci.defined()) return kNotAvailable;
  return bracketed(format_percent(ci.lo, 1, true), format_percent(ci.hi, 1, true));
}

std::string confidence_label(const ExperimentReport& report) {
  const double percent = 100 * report.confidence;
  return format_fixed(percent, std::fabs(percent - std::round(percent)) < 1e-9 ? 0 : 1) + "%";
}

std::string srm_summary(const ExperimentReport& report) {
  std::ostringstream out;
  if (!report.compared.empty()) {
    return "not applicable: the two experiments compared were not split by keyart";
  }
  out << "units per arm ";
  for (size_t i = 0; i < report.overall.arms.size(); ++i) {
    out << (i ? " / " : "") << format_count(static_cast<double>(report.overall.arms[i].units));
  }
  out << " against intended shares ";
  for (size_t i = 0; i < report.intended_shares.size(); ++i) {
    out << (i ? " / " : "") << format_fixed(report.intended_shares[i], 3);
  }
  if (!std::isfinite(report.srm.p_value)) {
    out << ": not testable (needs two arms with units)";
    return out.str();
  }
  out << ": chi-square " << format_fixed(report.srm.chi_square, 2) << " (df "
      << format_fixed(report.srm.degrees_of_freedom, 0) << "), " << p_clause(report.srm.p_value)
      << (report.srm.alarm ? "  ** SAMPLE RATIO MISMATCH **" : " (no mismatch)");
  return out.str();
}

std::string sequential_summary(const ExperimentReport& report, const SequentialResult& s) {
  std::ostringstream out;
  const ArmResult* control = control_arm(report.overall);
  out << s.arm_id << " vs " << (control ? control->arm_id : "control") << ": always-valid "
      << p_clause(s.p_value) << " after " << s.looks << " daily look" << (s.looks == 1 ? "" : "s")
      << "; " << confidence_label(report) << " confidence sequence for the difference ";
  if (s.difference.defined()) {
    out << format_rate_interval(report, s.difference);
  } else {
    out << kNotAvailable;
  }
  return out.str();
}

std::string segment_caveat(const ExperimentReport& report) {
  size_t comparisons = 0;
  for (const auto& t : report.segments) {
    for (const auto& a : t.arms) comparisons += a.is_control ? 0 : 1;
  }
  std::ostringstream out;
  out << "Segments are exploratory: " << comparisons << " comparisons across "
      << report.segments.size() << " " << segmentation_name(report.by)
      << " segments, so about 1 in 20 raw p-values falls below 0.05 by chance alone. "
         "p (Holm) is adjusted across all of them; trust a segment only when it holds there "
         "and was hypothesised beforehand.";
  if (report.segments_omitted > 0) {
    const double share = report.exposures > 0 ? static_cast<double>(report.omitted_exposures) /
                                                    static_cast<double>(report.exposures)
                                              : 0.0;
    out << " Shown: the " << report.segments.size() << " largest of "
        << report.segments.size() + report.segments_omitted << " segments; the other "
        << report.segments_omitted << " hold " << format_percent(share, 1)
        << " of the exposures (--top 0 shows every segment).";
  }
  return out.str();
}

std::string data_range(const ExperimentReport& report) {
  if (report.exposures == 0) return "no exposures";
  return iso_time(report.first_ts) + " to " + iso_time(report.last_ts);
}

const ArmResult* control_arm(const ArmTable& table) {
  for (const auto& a : table.arms) {
    if (a.is_control) return &a;
  }
  return nullptr;
}

const ledger::Arm* arm_definition(const ExperimentReport& report, const std::string& arm_id) {
  for (const auto& a : report.experiment.arms) {
    if (a.arm_id == arm_id) return &a;
  }
  return nullptr;
}

}  // namespace keyart::analysis
