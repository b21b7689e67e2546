// Text and JSON renderings of an off-policy evaluation.
#include <nlohmann/json.hpp>
#include <sstream>

#include "format_util.h"
#include "render_common.h"
#include "text_table.h"
#include "keyart/analysis/off_policy_report.h"

namespace keyart::analysis {

namespace {

struct Row {
  const char* name;
  const char* key;
  const stats::OffPolicyEstimate* estimate;
  bool shown;
};

std::vector<Row> shown_rows(const OffPolicyReport& r) {
  std::vector<Row> rows;
  for (const Row& row : {Row{"IPS", "ips", &r.ips, r.show_ips},
                         Row{"SNIPS", "snips", &r.snips, r.show_snips},
                         Row{"DR", "dr", &r.doubly_robust, r.show_dr}}) {
    if (row.shown) rows.push_back(row);
  }
  return rows;
}

nlohmann::json estimate_json(const stats::OffPolicyEstimate& e) {
  return {{"value", json_number(e.value)},
          {"se", json_number(e.se)},
          {"ci", e.interval.defined() ? nlohmann::json::array({e.interval.lo, e.interval.hi})
                                      : nlohmann::json(nullptr)}};
}

}  // namespace

std::string off_policy_text(const OffPolicyReport& r) {
  std::ostringstream out;
  const std::string level = format_fixed(100 * r.confidence, 0) + "%";
  out << "Off-policy evaluation of '" << r.policy << "' on " << r.source << " (metric " << r.metric
      << ")\n";
  out << "Rows: " << format_count(static_cast<double>(r.rows_read)) << " read, "
      << format_count(static_cast<double>(r.rows_used)) << " used";
  if (r.left_out_policy_cannot_act) {
    out << ", " << format_count(static_cast<double>(r.left_out_policy_cannot_act))
        << " left out (the policy cannot act there)";
  }
  if (r.left_out_logged_not_candidate) {
    out << ", " << format_count(static_cast<double>(r.left_out_logged_not_candidate))
        << " left out (logged variant not among the candidates)";
  }
  if (r.left_out_no_candidates) {
    out << ", " << format_count(static_cast<double>(r.left_out_no_candidates))
        << " left out (no candidates known)";
  }
  out << "\n";
  if (r.learning_policy) {
    out << "The policy learns: it was replayed over the log in time order, scored at each "
           "row before learning from it.\n";
  }
  for (const auto& w : r.warnings) out << "WARNING: " << w << "\n";
  TextTable table({"estimator", "value", level + " CI", "se"});
  auto add = [&](const char* name, double value, const stats::Interval& ci, double se) {
    table.add({name, format_fixed(value, 5),
               ci.defined() ? bracketed(format_fixed(ci.lo, 5), format_fixed(ci.hi, 5))
                            : std::string(kNotAvailable),
               format_fixed(se, 5)});
  };
  add("logged", r.logged.mean, r.logged_interval, r.logged.se());
  for (const Row& row : shown_rows(r)) {
    add(row.name, row.estimate->value, row.estimate->interval, row.estimate->se);
  }
  out << "\n";
  table.print(out);
  const auto& d = r.diagnostics;
  out << "\nEffective sample size " << format_count(std::round(d.effective_sample_size)) << " of "
      << format_count(static_cast<double>(d.samples)) << "; smallest logged propensity "
      << format_fixed(d.min_propensity, 4) << "; largest weight " << format_fixed(d.max_weight, 2)
      << "; mean weight " << format_fixed(d.mean_weight, 4) << " (near 1 when all is well); "
      << format_count(static_cast<double>(d.clipped)) << " weights clipped.\n";
  out << "DR reward model: " << r.reward_model << ".\n";
  return out.str();
}

std::string off_policy_json(const OffPolicyReport& r) {
  const auto& d = r.diagnostics;
  nlohmann::json j = {
      {"policy", r.policy},
      {"source", r.source},
      {"metric", r.metric},
      {"learning_policy", r.learning_policy},
      {"rows", {{"read", r.rows_read},
                {"used", r.rows_used},
                {"left_out_policy_cannot_act", r.left_out_policy_cannot_act},
                {"left_out_logged_not_candidate", r.left_out_logged_not_candidate},
                {"left_out_no_candidates", r.left_out_no_candidates}}},
      {"logged", {{"value", json_number(r.logged.mean)},
                  {"se", json_number(r.logged.se())},
                  {"ci", r.logged_interval.defined()
                             ? nlohmann::json::array({r.logged_interval.lo, r.logged_interval.hi})
                             : nlohmann::json(nullptr)}}},
      {"confidence", r.confidence},
      {"diagnostics", {{"samples", d.samples},
                       {"effective_sample_size", json_number(d.effective_sample_size)},
                       {"min_propensity", json_number(d.min_propensity)},
                       {"max_weight", json_number(d.max_weight)},
                       {"mean_weight", json_number(d.mean_weight)},
                       {"clipped", d.clipped},
                       {"target_matches", d.target_matches}}},
      {"reward_model", r.reward_model},
      {"warnings", r.warnings}};
  nlohmann::json estimates = nlohmann::json::object();
  for (const Row& row : shown_rows(r)) estimates[row.key] = estimate_json(*row.estimate);
  j["estimates"] = estimates;
  return j.dump(2) + "\n";
}

}  // namespace keyart::analysis
