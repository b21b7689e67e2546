// Pieces of the report renderings that do not depend on the output format:
// how a rate is written for this report (a percentage for 0/1 metrics, a
// number otherwise), the captions and notes every format repeats, and the
// summary lines of the SRM and sequential tests. Internal to
// keyart_analysis.
#pragma once

#include <string>
#include <vector>

#include "keyart/analysis/experiment_report.h"

namespace keyart::analysis {

// True when rates are shares (printed as percentages): a report's, or a
// guardrail's.
bool rate_is_share(Analysis analysis, bool binary_metric);
bool rate_is_share(const ExperimentReport& report);
// A share as a percentage with 3 decimals, anything else with 4 decimals.
std::string format_value(bool share, double x);
std::string format_value_interval(bool share, const stats::Interval& ci);
std::string format_rate(const ExperimentReport& report, double rate);
std::string format_rate_interval(const ExperimentReport& report, const stats::Interval& ci);
std::string format_lift_interval(const stats::Interval& ci);
// "95%"
std::string confidence_label(const ExperimentReport& report);
std::string srm_summary(const ExperimentReport& report);
std::string sequential_summary(const ExperimentReport& report, const SequentialResult& s);
// The caveat printed above segment tables.
std::string segment_caveat(const ExperimentReport& report);
// "2026-01-01 to 2026-01-14" of the exposures read, or "no exposures".
std::string data_range(const ExperimentReport& report);
const ArmResult* control_arm(const ArmTable& table);
// "completion (per exposure)": a guardrail's caption.
std::string guardrail_caption(const GuardrailResult& g);
// The verdict of an arm, if it has one.
const Verdict* verdict_of(const ExperimentReport& report, const std::string& arm_id);
const ledger::Arm* arm_definition(const ExperimentReport& report, const std::string& arm_id);

}  // namespace keyart::analysis
