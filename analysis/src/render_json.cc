// The JSON rendering: every figure of the report under stable field names;
// undefined numbers are null.
#include "format_util.h"
#include "render_common.h"
#include "keyart/analysis/report_format.h"

namespace keyart::analysis {

namespace {

using nlohmann::json;

json interval_json(const stats::Interval& ci) {
  if (!ci.defined()) return nullptr;
  return json::array({ci.lo, ci.hi});
}

json arm_json(const ExperimentReport& r, const ArmResult& a) {
  json j = {{"arm_id", a.arm_id},
            {"control", a.is_control},
            {"exposures", a.exposures},
            {"units", a.units},
            {"units_with_reward", a.units_with_reward},
            {"rewards", a.rewards},
            {"rate", json_number(a.rate.mean)},
            {"rate_se", json_number(a.rate.se())},
            {"rate_ci", interval_json(a.rate_interval)},
            {"design_effect", json_number(a.design_effect)},
            {"chance_to_be_best", json_number(a.chance_to_be_best)},
            {"expected_loss", json_number(a.expected_loss)}};
  if (const ledger::Arm* def = arm_definition(r, a.arm_id)) {
    j["policy"] = def->policy_spec;
    j["traffic_share"] = def->traffic_share;
  }
  if (!a.is_control) {
    j["lift"] = json_number(a.lift.value);
    j["lift_ci"] = interval_json(a.lift.interval);
    j["difference"] = json_number(a.test.difference);
    j["z"] = json_number(a.test.z);
    j["p_value"] = json_number(a.test.p_value);
    j["p_holm"] = json_number(a.p_holm);
    j["chance_to_beat_control"] = json_number(a.chance_to_beat_control);
  }
  return j;
}

json table_json(const ExperimentReport& r, const ArmTable& table) {
  json arms = json::array();
  for (const auto& a : table.arms) arms.push_back(arm_json(r, a));
  return arms;
}

json optional_ms(const std::optional<int64_t>& ms) {
  return ms ? json(iso_time(*ms)) : json(nullptr);
}

}  // namespace

nlohmann::json report_to_json(const ExperimentReport& r) {
  const ledger::Experiment& e = r.experiment;
  json j;
  j["experiment"] = {{"id", e.experiment_id},  {"name", e.name},
                     {"status", e.status},      {"source", e.source},
                     {"started_at", optional_ms(e.started_at)},
                     {"stopped_at", optional_ms(e.stopped_at)}};
  if (!r.compared.empty()) j["compared"] = r.compared;
  j["metric"] = r.metric;
  j["binary_metric"] = r.binary_metric;
  j["analysis"] = {{"name", analysis_name(r.analysis)},
                   {"variance", variance_name(r.variance)},
                   {"description", analysis_description(r.analysis, r.binary_metric, r.variance)}};
  j["confidence"] = r.confidence;
  j["range"] = {{"since", optional_ms(r.since_ms)},
                {"until", optional_ms(r.until_ms)},
                {"first_exposure", r.exposures ? json(iso_time(r.first_ts)) : json(nullptr)},
                {"last_exposure", r.exposures ? json(iso_time(r.last_ts)) : json(nullptr)}};
  j["generated_at"] = iso_time(r.generated_at_ms);
  j["totals"] = {{"exposures", r.exposures}, {"rewards", r.rewards}};
  j["arms"] = table_json(r, r.overall);

  json observed = json::array();
  for (const auto& a : r.overall.arms) observed.push_back(a.units);
  j["sample_ratio"] = {{"observed_units", observed},
                       {"intended_shares", r.intended_shares},
                       {"chi_square", json_number(r.srm.chi_square)},
                       {"degrees_of_freedom", json_number(r.srm.degrees_of_freedom)},
                       {"p_value", json_number(r.srm.p_value)},
                       {"mismatch", r.srm.alarm}};

  json sequential = json::array();
  for (const auto& s : r.sequential) {
    sequential.push_back({{"arm_id", s.arm_id},
                          {"p_value", json_number(s.p_value)},
                          {"difference_cs", interval_json(s.difference)},
                          {"looks", s.looks}});
  }
  j["sequential"] = {{"method", "mSPRT (normal mixture)"},
                     {"tau", r.sequential_tau},
                     {"alpha", 1 - r.confidence},
                     {"arms", sequential}};

  if (r.by.any()) {
    json tables = json::array();
    for (const auto& t : r.segments) {
      tables.push_back({{"segment", t.segment}, {"arms", table_json(r, t)}});
    }
    j["segments"] = {{"by", segmentation_name(r.by)},
                     {"caveat", segment_caveat(r)},
                     {"omitted", r.segments_omitted},
                     {"omitted_exposures", r.omitted_exposures},
                     {"tables", tables}};
  }

  json trend = json::array();
  for (const auto& d : r.trend) {
    json arms = json::array();
    for (size_t i = 0; i < d.arms.size(); ++i) {
      const TrendArm& t = d.arms[i];
      json a = {{"arm_id", r.overall.arms[i].arm_id},
                {"exposures", t.exposures},
                {"rewards", t.rewards},
                {"daily_rate", json_number(t.daily_rate)},
                {"cumulative_rate", json_number(t.cumulative.mean)}};
      if (!r.overall.arms[i].is_control) {
        a["cumulative_lift"] = json_number(t.cumulative_lift.value);
        a["cumulative_lift_ci"] = interval_json(t.cumulative_lift.interval);
      }
      arms.push_back(a);
    }
    trend.push_back({{"day", iso_day(d.day_start_ms)}, {"arms", arms}});
  }
  j["trend"] = trend;

  json variants = json::array();
  for (const auto& v : r.variants) {
    variants.push_back({{"variant_id", v.variant_id},
                        {"title_id", v.title_id},
                        {"kind", v.kind},
                        {"exposures", v.exposures},
                        {"rewards", v.rewards},
                        {"rate", json_number(v.rate)},
                        {"rate_ci", interval_json(v.rate_interval)}});
  }
  j["variants"] = variants;

  if (r.cuped) {
    json arms = json::array();
    for (const CupedArmResult& a : r.cuped->arms) {
      json arm = {{"arm_id", a.arm_id},
                  {"control", a.is_control},
                  {"viewers", a.viewers},
                  {"rate", json_number(a.plain.mean)},
                  {"rate_se", json_number(a.plain.se())},
                  {"adjusted", json_number(a.adjusted.mean)},
                  {"adjusted_se", json_number(a.adjusted.se())},
                  {"adjusted_ci", interval_json(a.adjusted_interval)},
                  {"variance_reduction", json_number(a.variance_reduction)}};
      if (!a.is_control) {
        arm["lift"] = json_number(a.lift.value);
        arm["lift_ci"] = interval_json(a.lift.interval);
        arm["p_value"] = json_number(a.test.p_value);
      }
      arms.push_back(arm);
    }
    j["cuped"] = {{"window_start", iso_time(r.cuped->window_start_ms)},
                  {"window_end", iso_time(r.cuped->window_end_ms)},
                  {"theta", json_number(r.cuped->theta)},
                  {"viewers_with_history", r.cuped->viewers_with_history},
                  {"arms", arms}};
  }
  json guardrails = json::array();
  for (const GuardrailResult& g : r.guardrails) {
    json arms = table_json(r, g.table);
    for (size_t i = 0; i < arms.size(); ++i) {
      if (!g.table.arms[i].is_control) arms[i]["flagged"] = static_cast<bool>(g.flagged[i]);
    }
    json sequential_arms = json::array();
    for (const auto& s : g.sequential) {
      sequential_arms.push_back({{"arm_id", s.arm_id}, {"p_value", json_number(s.p_value)}});
    }
    guardrails.push_back({{"metric", g.metric},
                          {"analysis", analysis_name(g.analysis)},
                          {"binary_metric", g.binary_metric},
                          {"arms", arms},
                          {"sequential", sequential_arms}});
  }
  j["guardrails"] = {{"threshold", r.guardrail_threshold}, {"metrics", guardrails}};
  json verdicts = json::array();
  for (const Verdict& v : r.verdicts) {
    verdicts.push_back({{"arm_id", v.arm_id}, {"decision", v.decision}, {"reason", v.reason}});
  }
  j["verdict"] = {{"loss_threshold", r.loss_threshold},
                  {"rule", verdict_rule(r.confidence, r.guardrail_threshold, r.loss_threshold)},
                  {"arms", verdicts}};
  j["warnings"] = r.warnings;
  return j;
}

}  // namespace keyart::analysis
