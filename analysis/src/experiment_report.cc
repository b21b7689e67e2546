#include "keyart/analysis/experiment_report.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "compare.h"
#include "cuped_scan.h"
#include "format_util.h"
#include "keyart/analysis/stats/multiple_testing.h"
#include "keyart/engine/context_fields.h"
#include "keyart/engine/reward.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/variants.h"
#include "scan.h"

namespace keyart::analysis {

namespace {

constexpr int64_t kDayMs = 86'400'000;

template <typename E>
struct Named {
  E value;
  const char* name;
};
constexpr Named<Analysis> kAnalyses[] = {{Analysis::kClustered, "clustered"},
                                         {Analysis::kExposure, "exposure"},
                                         {Analysis::kUnitShare, "unit-share"},
                                         {Analysis::kPerUnit, "per-unit"}};
constexpr Named<SegmentBy> kSegments[] = {{SegmentBy::kNone, "none"},
                                          {SegmentBy::kDevice, engine::kDeviceField.data()},
                                          {SegmentBy::kCountry, engine::kCountryField.data()},
                                          {SegmentBy::kHour, engine::kHourField.data()},
                                          {SegmentBy::kVariant, "variant"}};
constexpr Named<stats::VarianceDivisor> kVariances[] = {
    {stats::VarianceDivisor::kSample, "sample"}, {stats::VarianceDivisor::kPopulation, "population"}};

template <typename E, size_t N>
std::optional<E> value_named(const Named<E> (&table)[N], std::string_view name) {
  for (const auto& entry : table) {
    if (name == entry.name) return entry.value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
const char* name_of(const Named<E> (&table)[N], E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

std::string format_range(const ReportOptions& o) {
  return o.since_ms || o.until_ms ? " in the requested time range" : "";
}

// Reward kinds recorded for the experiment's exposures (for the message when
// the metric has none). Scans rewards once; only called in that case.
std::vector<std::string> reward_kinds(ledger::Ledger& ledger, const std::string& experiment_id) {
  return ledger::reward_kinds_of_experiment(ledger, experiment_id, 20);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void add_missing_data_warnings(ledger::Ledger& ledger, const ReportOptions& options,
                               const ScanResult& scan, ExperimentReport& report) {
  const std::string& id = report.experiment.experiment_id;
  if (scan.exposures == 0) {
    const ledger::ExposureRange range = ledger::exposure_range(ledger, id);
    const int64_t total = range.count;
    if (total == 0) {
      report.warnings.push_back("experiment '" + id +
                                "' has no exposures yet: nothing to report until serving "
                                "(or an import) records decisions for it");
    } else {
      report.warnings.push_back(
          "no exposures of experiment '" + id + "'" + format_range(options) + "; it has " +
          std::to_string(total) + " exposures between ts " + std::to_string(range.first_ts) +
          " and " + std::to_string(range.last_ts) + " (Unix ms): widen --since/--until");
    }
    return;
  }
  for (const ArmResult& arm : report.overall.arms) {
    if (arm.exposures == 0) {
      report.warnings.push_back("arm '" + arm.arm_id + "' has no exposures" +
                                format_range(options) +
                                ": its rate, lift and tests are n/a");
    }
  }
  if (scan.rewards_joined == 0) {
    std::vector<std::string> kinds = reward_kinds(ledger, id);
    report.warnings.push_back(
        "no '" + report.metric + "' rewards on these exposures: every rate is 0 and lifts and "
        "tests are n/a" +
        (kinds.empty() ? std::string(" (no rewards of any kind are recorded for this experiment)")
                       : " (reward kinds recorded for this experiment: " + join(kinds) +
                             "; choose one with --metric)"));
    return;
  }
  for (const ArmResult& arm : report.overall.arms) {
    if (arm.is_control && arm.exposures > 0 && arm.rewards == 0) {
      report.warnings.push_back("the control arm '" + arm.arm_id + "' has no '" + report.metric +
                                "' rewards: a lift relative to it is undefined (n/a)");
    }
  }
}

void add_trend(const ScanResult& scan, size_t control, const ReportOptions& options,
               bool binary, ExperimentReport& report) {
  const size_t k = report.overall.arms.size();
  std::vector<stats::AlwaysValidTest> sequential(
      k, stats::AlwaysValidTest(options.sequential_tau, 1 - options.confidence));
  for (const DaySnapshot& snap : scan.days) {
    TrendDay day;
    day.day_start_ms = snap.day * kDayMs;
    day.arms.resize(k);
    std::vector<RateModel> models(k);
    for (size_t i = 0; i < k; ++i) models[i] = rate_model(snap.cumulative[i], options.analysis, binary,
                                                           options.variance);
    for (size_t i = 0; i < k; ++i) {
      TrendArm& t = day.arms[i];
      t.exposures = snap.exposures[i];
      t.rewards = snap.rewards[i];
      t.daily_rate = t.exposures > 0 ? t.rewards / static_cast<double>(t.exposures) : stats::kNaN;
      t.cumulative = models[i].estimate;
      if (i != control) {
        t.cumulative_lift =
            stats::relative_lift(models[i].estimate, models[control].estimate, options.confidence);
        const auto& c = models[control].estimate;
        const auto& x = models[i].estimate;
        if (c.defined() && x.defined()) sequential[i].look(x.mean - c.mean, x.variance + c.variance);
      }
    }
    report.trend.push_back(std::move(day));
  }
  for (size_t i = 0; i < k; ++i) {
    if (i == control) continue;
    report.sequential.push_back({report.overall.arms[i].arm_id, sequential[i].p_value(),
                                 sequential[i].last().confidence_sequence, sequential[i].looks()});
  }
}

void add_segments(const ScanResult& scan, std::span<const std::string> arm_ids, size_t control,
                  const ReportOptions& options, bool binary, ExperimentReport& report) {
  const size_t k = arm_ids.size();
  std::vector<size_t> order(scan.segment_labels.size());
  std::iota(order.begin(), order.end(), 0);
  // The largest segments by exposures (ties by label), then in label order.
  std::vector<double> size(order.size(), 0);
  for (size_t s = 0; s < order.size(); ++s) {
    for (size_t a = 0; a < k; ++a) size[s] += scan.segments[s * k + a].exposures;
  }
  if (options.max_segments > 0 && order.size() > options.max_segments) {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return size[a] != size[b] ? size[a] > size[b]
                                : scan.segment_labels[a] < scan.segment_labels[b];
    });
    for (size_t i = options.max_segments; i < order.size(); ++i) {
      report.omitted_exposures += static_cast<int64_t>(size[order[i]]);
    }
    report.segments_omitted = order.size() - options.max_segments;
    order.resize(options.max_segments);
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scan.segment_labels[a] < scan.segment_labels[b]; });
  for (size_t s : order) {
    ArmTable table;
    table.segment = scan.segment_labels[s];
    table.arms = compare_arms(arm_ids, control,
                              std::span(scan.segments).subspan(s * k, k), options.analysis,
                              binary, options.confidence, options.variance);
    report.segments.push_back(std::move(table));
  }
  // Holm across every segment comparison: the family the analyst scans.
  std::vector<double> p;
  for (const ArmTable& t : report.segments) {
    for (const ArmResult& a : t.arms) {
      if (!a.is_control) p.push_back(a.test.p_value);
    }
  }
  std::vector<double> holm = stats::holm_adjust(p);
  size_t j = 0;
  for (ArmTable& t : report.segments) {
    for (ArmResult& a : t.arms) {
      if (!a.is_control) a.p_holm = holm[j++];
    }
  }
}

void add_variants(ledger::Ledger& ledger, const ScanResult& scan, bool binary, double confidence,
                  ExperimentReport& report) {
  for (const VariantTally& tally : scan.variants) {
    VariantResult v;
    v.variant_id = tally.variant_id;
    v.exposures = tally.exposures;
    v.rewards = tally.rewards;
    const stats::MeanEstimate rate =
        stats::mean_from_sums(static_cast<double>(tally.exposures), tally.rewards, tally.sum_r2);
    v.rate = rate.mean;
    v.rate_interval = binary ? stats::wilson_interval(tally.rewards,
                                                      static_cast<double>(tally.exposures),
                                                      confidence)
                             : stats::normal_interval(rate, confidence);
    if (auto stored = ledger::find_variant(ledger, tally.variant_id)) {
      v.title_id = stored->title_id;
      v.kind = stored->kind;
      if (stored->storage_path) v.storage_path = (ledger.files_dir() / *stored->storage_path).string();
      v.format = stored->format.value_or("");
    }
    report.variants.push_back(std::move(v));
  }
  std::stable_sort(report.variants.begin(), report.variants.end(),
                   [](const VariantResult& a, const VariantResult& b) {
                     return a.exposures > b.exposures;
                   });
}

}  // namespace

std::optional<Analysis> parse_analysis(std::string_view name) {
  return value_named(kAnalyses, name);
}

const char* analysis_name(Analysis analysis) { return name_of(kAnalyses, analysis); }

std::optional<stats::VarianceDivisor> parse_variance(std::string_view name) {
  return value_named(kVariances, name);
}

const char* variance_name(stats::VarianceDivisor divisor) { return name_of(kVariances, divisor); }

std::optional<GuardrailSpec> parse_guardrail(std::string_view text) {
  GuardrailSpec spec;
  const size_t colon = text.find(':');
  spec.metric = std::string(text.substr(0, colon));
  if (!engine::is_reward_kind_name(spec.metric)) return std::nullopt;
  if (colon != std::string_view::npos) {
    auto analysis = parse_analysis(text.substr(colon + 1));
    if (!analysis) return std::nullopt;
    spec.analysis = *analysis;
    spec.analysis_given = true;
  }
  return spec;
}

std::string verdict_rule(double confidence, double guardrail_threshold, double loss_threshold) {
  const std::string alpha = format_fixed(1 - confidence, 3);
  const std::string drop = format_fixed(100 * guardrail_threshold, 1) + " %";
  const std::string loss = format_fixed(100 * loss_threshold, 1) + " %";
  return "A guardrail is flagged for a treatment when the lower end of its lift interval is "
         "below -" + drop + ". Per treatment, the first that applies: guardrail broken (a "
         "flagged guardrail whose lift itself is below -" + drop + "); ship (the primary "
         "metric's always-valid sequential p < " + alpha + " with a positive lift, no guardrail "
         "flagged, and the treatment's expected loss below " + loss + " of the control's "
         "rate); stop: worse than the control (sequential p < " + alpha + " with a negative "
         "lift); stop: no effect detected (the expected losses of the treatment and of the "
         "control are both below " + loss + " of the control's rate: either choice costs "
         "less than that); keep running (otherwise).";
}

std::string analysis_description(Analysis analysis, bool binary_metric,
                                 stats::VarianceDivisor divisor) {
  const std::string variances = divisor == stats::VarianceDivisor::kSample
                                    ? "; variances with divisor n - 1 (sample)"
                                    : "; variances with divisor n (population)";
  return analysis_unit_description(analysis, binary_metric) +
         (analysis == Analysis::kUnitShare ? std::string("; variance p(1-p)/n") : variances);
}

std::string analysis_unit_description(Analysis analysis, bool binary_metric) {
  switch (analysis) {
    case Analysis::kClustered:
      return std::string("rate = rewards per exposure; variance clustered by viewer (delta "
                         "method over units), so repeat exposures of one viewer are not "
                         "counted as independent") +
             (binary_metric ? "; Wilson intervals and Beta posteriors use the effective "
                              "sample size n / design effect"
                            : "");
    case Analysis::kExposure:
      return "rate = rewards per exposure, every exposure treated as independent (intervals "
             "too narrow when viewers see a title repeatedly: compare the design effect)";
    case Analysis::kUnitShare:
      return "rate = share of viewers with at least one reward (one outcome per viewer)";
    case Analysis::kPerUnit:
      return "rate = rewards per viewer (mean over viewers; variance over viewers)";
  }
  return "";
}

std::optional<SegmentBy> parse_segment_by(std::string_view name) {
  return value_named(kSegments, name);
}

const char* segment_by_name(SegmentBy by) { return name_of(kSegments, by); }

std::optional<Segmentation> parse_segmentation(std::string_view text) {
  const size_t comma = text.find(',');
  auto first = parse_segment_by(text.substr(0, comma));
  if (!first) return std::nullopt;
  if (comma == std::string_view::npos) return Segmentation{*first};
  auto second = parse_segment_by(text.substr(comma + 1));
  if (!second || *first == SegmentBy::kNone || *second == SegmentBy::kNone || *first == *second) {
    return std::nullopt;
  }
  return Segmentation{*first, *second};
}

std::string segmentation_name(const Segmentation& s) {
  std::string name = segment_by_name(s.by);
  if (s.then_by != SegmentBy::kNone) name.append(",").append(segment_by_name(s.then_by));
  return name;
}

namespace {

void check_options(const ReportOptions& options) {
  if (!(options.confidence > 0 && options.confidence < 1)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "confidence must be between 0 and 1 (e.g. 0.95)");
  }
  if (options.hour_bucket < 1 || options.hour_bucket > 24) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "the hour bucket must be 1 to 24 hours");
  }
  if (!(options.sequential_tau > 0)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "the sequential tau must be positive (e.g. 0.01)");
  }
  if (options.since_ms && options.until_ms && *options.until_ms <= *options.since_ms) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "--until must be later than --since");
  }
}

ledger::Experiment experiment_or_throw(ledger::Ledger& ledger, const std::string& id) {
  auto experiment = ledger::find_experiment(ledger, id);
  if (!experiment) {
    throw ledger::LedgerError(ledger::ErrorKind::kNotFound,
                              "experiment '" + id + "' not found (see 'keyart experiment list')");
  }
  return *experiment;
}

// The arms' ids in the experiment's order, and the control's index.
std::vector<std::string> arm_ids_of(const ledger::Experiment& experiment, size_t& control) {
  std::vector<std::string> ids;
  control = 0;
  for (size_t i = 0; i < experiment.arms.size(); ++i) {
    ids.push_back(experiment.arms[i].arm_id);
    if (experiment.arms[i].is_control) control = i;
  }
  return ids;
}

// What the options say about how the report reads the ledger.
void describe_options(const ReportOptions& options, ExperimentReport& report) {
  report.analysis = options.analysis;
  report.confidence = options.confidence;
  report.variance = options.variance;
  report.sequential_tau = options.sequential_tau;
  report.since_ms = options.since_ms;
  report.until_ms = options.until_ms;
  report.by = options.by;
  report.generated_at_ms = ledger::now_ms();
}

// One metric's tables from its scan: report.experiment says what was
// compared (its arms in order, the control marked), report.metric which
// metric `scan` holds. With `randomized` the split was keyart's, so the
// sample-ratio check applies.
ExperimentReport finish_report(ledger::Ledger& ledger, const ReportOptions& options,
                               ExperimentReport report, const ScanResult& scan, bool randomized) {
  const ledger::Experiment& experiment = report.experiment;
  describe_options(options, report);
  size_t control = 0;
  const std::vector<std::string> arm_ids = arm_ids_of(experiment, control);
  for (const ledger::Arm& arm : experiment.arms) report.intended_shares.push_back(arm.traffic_share);
  report.binary_metric = scan.binary_metric;
  report.exposures = scan.exposures;
  report.rewards = scan.rewards;
  report.first_ts = scan.first_ts;
  report.last_ts = scan.last_ts;

  report.overall.arms = compare_arms(arm_ids, control, scan.arms, options.analysis,
                                     scan.binary_metric, options.confidence, options.variance);
  if (randomized) {
    std::vector<double> units;
    for (const auto& m : scan.arms) units.push_back(m.units);
    report.srm = stats::sample_ratio_test(units, report.intended_shares);
  }

  add_missing_data_warnings(ledger, options, scan, report);
  if (report.srm.alarm) {
    std::ostringstream w;
    w << "SAMPLE RATIO MISMATCH: units per arm do not match the intended traffic shares "
         "(chi-square p = "
      << report.srm.p_value
      << " < 0.001); assignment or logging is broken, so do not trust these comparisons "
         "until it is explained";
    report.warnings.insert(report.warnings.begin(), w.str());
  }
  if (experiment.status == "running") {
    report.warnings.push_back(
        "the experiment is still running: figures are interim; if you look repeatedly, judge "
        "by the always-valid sequential p-value");
  }
  if (!scan.binary_metric && options.analysis != Analysis::kUnitShare) {
    report.warnings.push_back("'" + report.metric +
                              "' rewards are not all 0/1: intervals are normal "
                              "approximations and Bayesian figures use normal posteriors");
  }

  add_trend(scan, control, options, scan.binary_metric, report);
  if (options.by.any()) {
    add_segments(scan, arm_ids, control, options, scan.binary_metric, report);
  }
  add_variants(ledger, scan, scan.binary_metric, options.confidence, report);
  return report;
}

// The guardrail specs in force: the options', else the experiment's.
std::vector<GuardrailSpec> guardrail_specs(const ReportOptions& options,
                                           const std::vector<std::string>& stored,
                                           const std::string& metric) {
  const std::vector<std::string>& texts = options.guardrails.empty() ? stored : options.guardrails;
  std::vector<GuardrailSpec> specs;
  if (texts.size() == 1 && texts[0] == "none") return specs;
  for (const std::string& text : texts) {
    auto spec = parse_guardrail(text);
    if (!spec) {
      throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                                "guardrail '" + text + "' is not KIND or KIND:ANALYSIS (analyses: "
                                "clustered, exposure, unit-share, per-unit)");
    }
    if (spec->metric == metric && !spec->analysis_given) {
      throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                                "guardrail '" + text + "' is the primary metric itself");
    }
    if (!spec->analysis_given) spec->analysis = options.analysis;
    specs.push_back(*spec);
  }
  return specs;
}

// Each guardrail's table (built by `build` for its metric and analysis),
// its flags, and every treatment's verdict.
template <typename Build>
void add_guardrails_and_verdicts(ExperimentReport& report, const ReportOptions& options,
                                 const std::vector<GuardrailSpec>& specs, const Build& build) {
  report.guardrail_threshold = options.guardrail_threshold;
  report.loss_threshold = options.loss_threshold;
  for (const GuardrailSpec& spec : specs) {
    ReportOptions o = options;
    o.metric = spec.metric;
    o.analysis = spec.analysis;
    o.by = {};
    o.guardrails = {"none"};
    ExperimentReport sub = build(o);
    GuardrailResult g{spec.metric, spec.analysis, sub.binary_metric, std::move(sub.overall),
                      std::move(sub.sequential), {}};
    for (const ArmResult& a : g.table.arms) {
      g.flagged.push_back(!a.is_control && a.lift.interval.defined() &&
                          a.lift.interval.lo < -options.guardrail_threshold);
      if (g.flagged.back()) {
        report.warnings.insert(
            report.warnings.begin(),
            "GUARDRAIL FLAGGED: " + spec.metric + " of '" + a.arm_id + "' moved " +
                format_percent(a.lift.value, 1, true) + " (interval " +
                format_percent(a.lift.interval.lo, 1, true) + " to " +
                format_percent(a.lift.interval.hi, 1, true) + "): a drop beyond -" +
                format_fixed(100 * options.guardrail_threshold, 1) + " % is not ruled out");
      }
    }
    for (std::string& w : sub.warnings) {
      if (w.rfind("NOT RANDOMISED", 0) == 0 || w.rfind("the experiment is still running", 0) == 0) {
        continue;  // said once, by the primary table
      }
      report.warnings.push_back("guardrail '" + spec.metric + "': " + w);
    }
    report.guardrails.push_back(std::move(g));
  }
  const double alpha = 1 - options.confidence;
  const ArmResult* control = nullptr;
  for (const ArmResult& a : report.overall.arms) {
    if (a.is_control) control = &a;
  }
  if (!control) return;
  for (size_t i = 0; i < report.overall.arms.size(); ++i) {
    const ArmResult& arm = report.overall.arms[i];
    if (arm.is_control) continue;
    Verdict v{arm.arm_id, "keep running", ""};
    std::string broken, flagged;
    for (const GuardrailResult& g : report.guardrails) {
      if (i >= g.flagged.size() || !g.flagged[i]) continue;
      flagged += (flagged.empty() ? "" : ", ") + g.metric;
      if (g.table.arms[i].lift.value < -options.guardrail_threshold) {
        broken += (broken.empty() ? "" : ", ") + g.metric;
      }
    }
    double sequential_p = stats::kNaN;
    for (const SequentialResult& s : report.sequential) {
      if (s.arm_id == arm.arm_id) sequential_p = s.p_value;
    }
    const double budget = options.loss_threshold * control->rate.mean;
    const bool small_loss = std::isfinite(arm.expected_loss) && std::isfinite(budget) &&
                            arm.expected_loss < budget;
    const bool control_small_loss = std::isfinite(control->expected_loss) &&
                                    std::isfinite(budget) && control->expected_loss < budget;
    const bool significant = std::isfinite(sequential_p) && sequential_p < alpha;
    if (!broken.empty()) {
      v.decision = "guardrail broken";
      v.reason = broken + " dropped beyond the threshold";
    } else if (significant && arm.lift.value > 0 && flagged.empty() && small_loss) {
      v.decision = "ship";
      v.reason = "the primary metric rose (sequential p " + format_p(sequential_p) +
                 "), no guardrail flagged, expected loss below the threshold";
    } else if (significant && arm.lift.value < 0) {
      v.decision = "stop: worse than the control";
      v.reason = "the primary metric fell (sequential p " + format_p(sequential_p) + ")";
    } else if (small_loss && control_small_loss) {
      v.decision = "stop: no effect detected";
      v.reason = "either choice loses less than the threshold";
    } else {
      v.reason = !flagged.empty()
                     ? "guardrail " + flagged + " flagged: a drop beyond the threshold is not ruled out"
                 : significant ? "expected loss still above the threshold"
                               : "the primary metric's sequential test has not decided yet";
    }
    report.verdicts.push_back(std::move(v));
  }
}

// The CUPED table of an experiment's report (options.cuped), from the
// pass's per-viewer sums.
void add_cuped(const ReportOptions& options, const CupedScan& scan, ExperimentReport& report) {
  const ledger::Experiment& e = report.experiment;
  if (!e.started_at) {
    report.warnings.push_back("CUPED: the experiment has not started, so it has no "
                              "pre-experiment window");
    return;
  }
  size_t control = 0;
  const std::vector<std::string> arm_ids = arm_ids_of(e, control);
  const stats::CupedResult result = stats::cuped(scan.arms, options.variance);
  CupedReport c;
  c.window_ms = options.cuped_window_ms;
  c.window_start_ms = std::max<int64_t>(0, *e.started_at - options.cuped_window_ms);
  c.window_end_ms = *e.started_at;
  c.theta = result.theta;
  c.viewers_with_history = scan.viewers_with_history;
  for (size_t i = 0; i < arm_ids.size(); ++i) {
    CupedArmResult a;
    a.arm_id = arm_ids[i];
    a.is_control = i == control;
    a.viewers = static_cast<int64_t>(scan.arms[i].n);
    a.plain = result.arms[i].plain;
    a.adjusted = result.arms[i].adjusted;
    a.adjusted_interval = stats::normal_interval(a.adjusted, options.confidence);
    a.variance_reduction = result.arms[i].variance_reduction;
    if (!a.is_control) {
      a.lift = stats::relative_lift(a.adjusted, result.arms[control].adjusted, options.confidence);
      a.test = stats::mean_difference_z_test(result.arms[control].adjusted, a.adjusted);
    }
    c.arms.push_back(a);
  }
  if (c.viewers_with_history == 0) {
    report.warnings.push_back("CUPED: no viewer of the experiment has exposures in the window "
                              "before it started, so there is nothing to adjust by");
  }
  report.cuped = std::move(c);
}

// The whole report once what is compared is chosen (report.experiment,
// report.metric; request says how to read it): one pass for the primary
// metric and every guardrail's (and CUPED's sums), then the primary
// tables, CUPED's table, each guardrail's table and the verdicts.
ExperimentReport build_report(ledger::Ledger& ledger, const ReportOptions& options,
                              ExperimentReport report, ScanRequest request, bool randomized,
                              const std::vector<GuardrailSpec>& specs) {
  size_t control = 0;
  request.arm_ids = arm_ids_of(report.experiment, control);
  if (request.arm_ids.empty()) {
    describe_options(options, report);
    report.warnings.push_back("experiment '" + report.experiment.experiment_id + "' has no arms");
    return report;
  }
  request.metrics = {report.metric};
  for (const GuardrailSpec& spec : specs) {
    if (std::find(request.metrics.begin(), request.metrics.end(), spec.metric) ==
        request.metrics.end()) {
      request.metrics.push_back(spec.metric);
    }
  }
  request.by = options.by;
  request.hour_bucket = options.hour_bucket;
  request.since_ms = options.since_ms.value_or(0);
  request.until_ms = options.until_ms.value_or(INT64_MAX);
  const std::optional<int64_t> start = report.experiment.started_at;
  request.cuped = options.cuped && start.has_value();
  if (request.cuped) {
    request.cuped_unit_share = options.analysis == Analysis::kUnitShare;
    request.cuped_from_ms = *start - options.cuped_window_ms;
    request.cuped_to_ms = *start;
  }
  const ExperimentScan scan = scan_experiment(ledger, request);
  const ledger::Experiment experiment = report.experiment;
  report = finish_report(ledger, options, std::move(report), scan.metrics[0], randomized);
  if (options.cuped) add_cuped(options, scan.cuped, report);
  add_guardrails_and_verdicts(report, options, specs, [&](const ReportOptions& o) {
    const size_t i = static_cast<size_t>(
        std::find(request.metrics.begin(), request.metrics.end(), o.metric) -
        request.metrics.begin());
    ScanResult metric = scan.metrics.at(i);
    metric.variants.clear();  // the variants table is the primary metric's
    ExperimentReport sub;
    sub.experiment = experiment;
    sub.metric = o.metric;
    return finish_report(ledger, o, std::move(sub), metric, randomized);
  });
  return report;
}

}  // namespace

ExperimentReport build_experiment_report(ledger::Ledger& ledger, const ReportOptions& options) {
  check_options(options);
  if (options.cuped && options.analysis != Analysis::kPerUnit &&
      options.analysis != Analysis::kUnitShare) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                              "CUPED adjusts a per-viewer metric: use it with --analysis "
                              "per-unit or unit-share");
  }
  if (options.cuped && !(options.cuped_window_ms > 0)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "the CUPED window must be positive");
  }
  ExperimentReport report;
  report.experiment = experiment_or_throw(ledger, options.experiment_id);
  report.metric = options.metric.empty() ? report.experiment.metric : options.metric;
  const auto specs = guardrail_specs(options, report.experiment.guardrails, report.metric);
  ScanRequest request;
  request.experiment_id = options.experiment_id;
  return build_report(ledger, options, std::move(report), std::move(request), true, specs);
}

ExperimentReport build_comparison_report(ledger::Ledger& ledger, const std::string& control_id,
                                         const std::string& treatment_id,
                                         const ReportOptions& options) {
  check_options(options);
  if (options.cuped) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                              "CUPED is for an experiment's own report, not a comparison");
  }
  if (control_id == treatment_id) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid,
                              "compare two different experiments (both are '" + control_id + "')");
  }
  const ledger::Experiment a = experiment_or_throw(ledger, control_id);
  const ledger::Experiment b = experiment_or_throw(ledger, treatment_id);
  ExperimentReport report;
  report.compared = {a.experiment_id, b.experiment_id};
  ledger::Experiment& e = report.experiment;
  e.experiment_id = a.experiment_id + " vs " + b.experiment_id;
  e.name = a.name + " against " + b.name;
  e.description = "two experiments compared as two arms (keyart report compare)";
  e.status = a.status == "running" || b.status == "running" ? "running" : "stopped";
  e.source = "compare";
  e.metric = a.metric;
  e.title_ids = a.title_ids;
  e.title_ids.insert(e.title_ids.end(), b.title_ids.begin(), b.title_ids.end());
  e.arms = {{.arm_id = a.experiment_id, .policy_spec = "experiment " + a.experiment_id,
             .traffic_share = 0.5, .is_control = true},
            {.arm_id = b.experiment_id, .policy_spec = "experiment " + b.experiment_id,
             .traffic_share = 0.5}};
  report.metric = options.metric.empty() ? a.metric : options.metric;
  report.warnings.push_back(
      "NOT RANDOMISED: '" + a.experiment_id + "' and '" + b.experiment_id +
      "' are two logs compared as two arms; keyart did not split the traffic between them, "
      "so they may differ in who they reached and when: read the differences as "
      "associations, not effects (no sample-ratio check applies)");
  if (options.metric.empty() && a.metric != b.metric) {
    report.warnings.push_back("the experiments' metrics differ ('" + a.metric + "' and '" +
                              b.metric + "'): both are read as '" + a.metric +
                              "' (choose with --metric)");
  }
  const auto specs = guardrail_specs(options, a.guardrails, report.metric);
  ScanRequest request;
  request.arms_are_experiments = true;
  return build_report(ledger, options, std::move(report), std::move(request), false, specs);
}

}  // namespace keyart::analysis
