// The CSV rendering: one tidy table. Every row names its section (arm,
// segment, sample_ratio, sequential, trend, variant) and fills the columns
// that apply to it; the rest are empty, as are undefined numbers.
#include <ostream>
#include <string>
#include <vector>

#include "format_util.h"
#include "render_common.h"
#include "keyart/analysis/report_format.h"

namespace keyart::analysis {

namespace {

const char* const kColumns[] = {
    "experiment", "metric",  "analysis", "variance", "section", "segment", "day", "arm",
    "variant",    "exposures", "units",  "rewards", "rate",    "rate_lo", "rate_hi",
    "lift",       "lift_lo", "lift_hi",  "p_value", "p_holm",  "chance_to_beat_control",
    "chance_to_be_best", "expected_loss", "difference_lo", "difference_hi", "note"};
constexpr size_t kColumnCount = sizeof kColumns / sizeof kColumns[0];

class CsvRow {
 public:
  CsvRow(const ExperimentReport& r, const char* section) : cells_(kColumnCount) {
    set("experiment", csv_field(r.experiment.experiment_id));
    set("metric", csv_field(r.metric));
    set("analysis", analysis_name(r.analysis));
    set("variance", variance_name(r.variance));
    set("section", section);
  }
  CsvRow& set(std::string_view column, std::string value) {
    for (size_t i = 0; i < kColumnCount; ++i) {
      if (column == kColumns[i]) {
        cells_[i] = std::move(value);
        return *this;
      }
    }
    return *this;
  }
  CsvRow& num(std::string_view column, double value) { return set(column, csv_number(value)); }
  CsvRow& text(std::string_view column, std::string_view value) {
    return set(column, csv_field(value));
  }
  CsvRow& interval(const char* lo, const char* hi, const stats::Interval& ci) {
    return num(lo, ci.lo).num(hi, ci.hi);
  }
  void print(std::ostream& out) const {
    for (size_t i = 0; i < kColumnCount; ++i) out << (i ? "," : "") << cells_[i];
    out << "\n";
  }

 private:
  std::vector<std::string> cells_;
};

// guardrail: the guardrail these rows are of (its metric, and the flag of
// each treatment in the note column).
void print_arms(const ExperimentReport& r, const ArmTable& table, const char* section,
                std::ostream& out, const GuardrailResult* guardrail = nullptr) {
  for (size_t i = 0; i < table.arms.size(); ++i) {
    const ArmResult& a = table.arms[i];
    CsvRow row(r, section);
    if (guardrail) {
      row.text("metric", guardrail->metric).set("analysis", analysis_name(guardrail->analysis));
      if (!a.is_control) row.text("note", guardrail->flagged[i] ? "flagged" : "ok");
    }
    row.text("segment", table.segment)
        .text("arm", a.arm_id)
        .num("exposures", static_cast<double>(a.exposures))
        .num("units", static_cast<double>(a.units))
        .num("rewards", a.rewards)
        .num("rate", a.rate.mean)
        .interval("rate_lo", "rate_hi", a.rate_interval)
        .num("chance_to_be_best", a.chance_to_be_best)
        .num("expected_loss", a.expected_loss);
    if (!a.is_control) {
      row.num("lift", a.lift.value)
          .interval("lift_lo", "lift_hi", a.lift.interval)
          .num("p_value", a.test.p_value)
          .num("p_holm", a.p_holm)
          .num("chance_to_beat_control", a.chance_to_beat_control);
    }
    row.print(out);
  }
}

}  // namespace

void render_csv(const ExperimentReport& r, std::ostream& out) {
  for (size_t i = 0; i < kColumnCount; ++i) out << (i ? "," : "") << kColumns[i];
  out << "\n";
  for (const std::string& w : r.warnings) CsvRow(r, "warning").text("note", w).print(out);
  print_arms(r, r.overall, "arm", out);
  for (size_t i = 0; i < r.overall.arms.size(); ++i) {
    CsvRow(r, "sample_ratio")
        .text("arm", r.overall.arms[i].arm_id)
        .num("units", static_cast<double>(r.overall.arms[i].units))
        .num("rate", i < r.intended_shares.size() ? r.intended_shares[i] : stats::kNaN)
        .num("p_value", r.srm.p_value)
        .print(out);
  }
  for (const SequentialResult& s : r.sequential) {
    CsvRow(r, "sequential")
        .text("arm", s.arm_id)
        .num("p_value", s.p_value)
        .interval("difference_lo", "difference_hi", s.difference)
        .print(out);
  }
  for (const ArmTable& t : r.segments) print_arms(r, t, "segment", out);
  if (r.cuped) {
    for (const CupedArmResult& a : r.cuped->arms) {
      CsvRow row(r, "cuped");
      row.text("arm", a.arm_id)
          .num("units", static_cast<double>(a.viewers))
          .num("rate", a.adjusted.mean)
          .interval("rate_lo", "rate_hi", a.adjusted_interval)
          .text("note", "variance reduction " + csv_number(a.variance_reduction) + ", theta " +
                            csv_number(r.cuped->theta));
      if (!a.is_control) {
        row.num("lift", a.lift.value).interval("lift_lo", "lift_hi", a.lift.interval)
            .num("p_value", a.test.p_value);
      }
      row.print(out);
    }
  }
  for (const GuardrailResult& g : r.guardrails) print_arms(r, g.table, "guardrail", out, &g);
  for (const Verdict& v : r.verdicts) {
    CsvRow(r, "verdict").text("arm", v.arm_id).text("note", v.decision + ": " + v.reason).print(out);
  }
  for (const TrendDay& d : r.trend) {
    for (size_t i = 0; i < d.arms.size(); ++i) {
      const TrendArm& a = d.arms[i];
      CsvRow row(r, "trend");
      row.set("day", iso_day(d.day_start_ms))
          .text("arm", r.overall.arms[i].arm_id)
          .num("exposures", static_cast<double>(a.exposures))
          .num("rewards", a.rewards)
          .num("rate", a.daily_rate);
      if (!r.overall.arms[i].is_control) {
        row.num("lift", a.cumulative_lift.value)
            .interval("lift_lo", "lift_hi", a.cumulative_lift.interval);
      }
      row.print(out);
    }
  }
  for (const VariantResult& v : r.variants) {
    CsvRow(r, "variant")
        .text("variant", v.variant_id)
        .num("exposures", static_cast<double>(v.exposures))
        .num("rewards", v.rewards)
        .num("rate", v.rate)
        .interval("rate_lo", "rate_hi", v.rate_interval)
        .print(out);
  }
}

}  // namespace keyart::analysis
