// The A/B report of one experiment, computed from the ledger in a single
// time-ordered pass over its exposures (covering index exposures_report) with
// the metric's rewards joined in memory: per arm the rate with its 95 %
// interval, relative lift against the control (delta method), the
// two-sided p-value, Holm-adjusted p-values when there are several
// treatments, the Bayesian chance to beat the control / to be best and the
// expected loss (Beta(1,1) priors), an always-valid sequential p-value
// (mSPRT, stats/sequential.h), a sample-ratio-mismatch test on units, the
// same table per segment (--by), and the daily trend. Nothing here prints:
// report_format.h renders the result as text, JSON, CSV or HTML. Numbers the
// data cannot define are NaN in the model; renderers print them as "n/a".
//
// The analysis unit (Analysis below) decides what "rate" means and how its
// variance is found; the report names it. A missing experiment throws
// ledger::LedgerError kNotFound; missing data (no exposures, an arm with none, no
// rewards of the metric) is reported in `warnings`, never as a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keyart/ledger/experiment_store.h"
#include "keyart/ledger/ledger.h"
#include "keyart/analysis/stats/estimate.h"
#include "keyart/analysis/stats/lift.h"
#include "keyart/analysis/stats/proportion.h"
#include "keyart/analysis/stats/sample_ratio.h"
#include "keyart/analysis/stats/sequential.h"

namespace keyart::analysis {

enum class Analysis {
  kClustered,  // rewards per exposure, variance clustered by unit (default)
  kExposure,   // rewards per exposure, every exposure independent
  kUnitShare,  // share of units with a reward
  kPerUnit,    // rewards per unit
};
enum class SegmentBy { kNone, kDevice, kCountry, kHour, kVariant };

// "clustered", "exposure", "unit-share", "per-unit"; nullopt when unknown.
std::optional<Analysis> parse_analysis(std::string_view name);
const char* analysis_name(Analysis analysis);
// One line saying what the rate is and how its uncertainty is computed
// (with which divisor of the variances).
std::string analysis_description(Analysis analysis, bool binary_metric,
                                 stats::VarianceDivisor divisor);
// What the rate is, without the divisor.
std::string analysis_unit_description(Analysis analysis, bool binary_metric);
// "sample", "population"; nullopt when unknown.
std::optional<stats::VarianceDivisor> parse_variance(std::string_view name);
const char* variance_name(stats::VarianceDivisor divisor);
std::optional<SegmentBy> parse_segment_by(std::string_view name);
const char* segment_by_name(SegmentBy by);
// How the segment tables are cut: by one dimension, or by two (each
// segment a pair of values, labelled "tv / KR").
struct Segmentation {
  SegmentBy by = SegmentBy::kNone;
  SegmentBy then_by = SegmentBy::kNone;  // the second dimension, if any
  bool any() const { return by != SegmentBy::kNone; }
};
// "device" or "device,country" (two different dimensions, neither "none"
// unless alone); nullopt with anything else.
std::optional<Segmentation> parse_segmentation(std::string_view text);
std::string segmentation_name(const Segmentation& segmentation);

struct ReportOptions {
  std::string experiment_id;
  std::string metric;  // reward kind; empty: the experiment's own metric
  Analysis analysis = Analysis::kClustered;
  Segmentation by;
  int hour_bucket = 6;  // --by hour: hours per bucket (1..24)
  // The segment table keeps the largest segments by exposures (shown in label
  // order); 0 = every segment. Each segment costs a few Bayesian integrals.
  size_t max_segments = 50;
  std::optional<int64_t> since_ms, until_ms;  // ts in [since, until)
  double confidence = 0.95;
  double sequential_tau = stats::kDefaultSequentialTau;
  // The variances' divisor (stats/estimate.h): n - 1 by default, or n.
  stats::VarianceDivisor variance = stats::VarianceDivisor::kSample;
  // Guardrail metrics, "kind" or "kind:analysis" (e.g. "completion",
  // "play:unit-share"); empty: the experiment's own list. "none" alone: no
  // guardrails.
  std::vector<std::string> guardrails;
  // A guardrail is flagged for a treatment when the lower end of its lift
  // interval is below -guardrail_threshold (relative: 0.01 = -1 %).
  double guardrail_threshold = 0.01;
  // The verdict's loss threshold, relative to the control's rate: an arm's
  // expected loss below loss_threshold * control rate is "small".
  double loss_threshold = 0.01;
  // CUPED (stats/cuped.h) with a per-viewer analysis (per-unit or
  // unit-share): the covariate is the viewer's metric in the window before
  // the experiment started.
  bool cuped = false;
  int64_t cuped_window_ms = 14LL * 86'400'000;
};

// "kind" or "kind:analysis" split; nullopt when the analysis is unknown or
// the kind is not [a-z0-9_]{1,32}.
struct GuardrailSpec {
  std::string metric;
  Analysis analysis = Analysis::kClustered;
  bool analysis_given = false;  // else the report's own
};
std::optional<GuardrailSpec> parse_guardrail(std::string_view text);

struct ArmResult {
  std::string arm_id;
  bool is_control = false;
  int64_t exposures = 0;
  int64_t units = 0;
  int64_t units_with_reward = 0;
  double rewards = 0;
  stats::MeanEstimate rate;     // in the report's analysis unit
  stats::Interval rate_interval;
  double design_effect = stats::kNaN;  // clustering inflation of the variance
  // Against the control; NaN for the control itself.
  stats::Lift lift;
  stats::ZTest test;
  double p_holm = stats::kNaN;
  double chance_to_beat_control = stats::kNaN;
  double chance_to_be_best = stats::kNaN;
  double expected_loss = stats::kNaN;
};

struct ArmTable {
  std::string segment;  // "" for the whole experiment
  std::vector<ArmResult> arms;
};

struct SequentialResult {
  std::string arm_id;
  double p_value = stats::kNaN;  // always valid: min over the daily looks
  stats::Interval difference;    // confidence sequence at the last look
  int looks = 0;
};

struct TrendArm {
  int64_t exposures = 0;  // that day
  double rewards = 0;     // that day
  double daily_rate = stats::kNaN;  // rewards / exposures that day
  stats::MeanEstimate cumulative;   // in the analysis unit, up to the day's end
  stats::Lift cumulative_lift;      // against the control, up to the day's end
};
struct TrendDay {
  int64_t day_start_ms = 0;  // 00:00 UTC
  std::vector<TrendArm> arms;  // in the order of ExperimentReport::arms
};

struct VariantResult {
  std::string variant_id;
  std::string title_id;
  std::string kind;          // image | external
  std::string storage_path;  // absolute path of the image file; empty if none
  std::string format;        // jpeg | png | webp | bmp when stored
  int64_t exposures = 0;
  double rewards = 0;
  double rate = stats::kNaN;     // rewards per exposure
  stats::Interval rate_interval; // Wilson (0/1 metric) or normal
};

// One guardrail metric's table (the same columns as the primary's) and, per
// arm, whether it is flagged (treatments only).
struct GuardrailResult {
  std::string metric;
  Analysis analysis = Analysis::kClustered;
  bool binary_metric = true;
  ArmTable table;
  std::vector<SequentialResult> sequential;  // one per treatment
  std::vector<bool> flagged;                 // per arm, in table order
};

// What to do with one treatment, by the rule written in docs/REPORTS.md
// (and in every rendering): ship, keep running, stop: no effect detected,
// stop: worse than the control, or guardrail broken; with the reason.
struct Verdict {
  std::string arm_id;
  std::string decision;
  std::string reason;
};
// The rule, in one paragraph, as the report prints it.
std::string verdict_rule(double confidence, double guardrail_threshold, double loss_threshold);

// The CUPED table: per arm the plain and adjusted rates, the adjusted
// interval, lift and test against the control, and the variance reduction.
struct CupedArmResult {
  std::string arm_id;
  bool is_control = false;
  int64_t viewers = 0;
  stats::MeanEstimate plain, adjusted;
  stats::Interval adjusted_interval;
  stats::Lift lift;       // adjusted, against the control's adjusted mean
  stats::ZTest test;      // on the adjusted means
  double variance_reduction = stats::kNaN;
};
struct CupedReport {
  int64_t window_ms = 0;
  int64_t window_start_ms = 0, window_end_ms = 0;  // [start, end)
  double theta = stats::kNaN;
  int64_t viewers_with_history = 0;
  std::vector<CupedArmResult> arms;
};

struct ExperimentReport {
  ledger::Experiment experiment;
  std::string metric;
  Analysis analysis = Analysis::kClustered;
  bool binary_metric = true;  // every reward value of the metric is 0 or 1
  double confidence = 0.95;
  double sequential_tau = stats::kDefaultSequentialTau;
  stats::VarianceDivisor variance = stats::VarianceDivisor::kSample;
  std::optional<int64_t> since_ms, until_ms;
  int64_t generated_at_ms = 0;
  int64_t first_ts = 0, last_ts = 0;  // of the exposures read (0 when none)
  int64_t exposures = 0;
  double rewards = 0;

  ArmTable overall;
  std::vector<double> intended_shares;  // per arm, from the experiment
  stats::SampleRatioTest srm;
  std::vector<SequentialResult> sequential;  // one per treatment arm

  Segmentation by;
  std::vector<ArmTable> segments;  // Holm-adjusted across every segment comparison shown
  size_t segments_omitted = 0;     // smaller segments left out (max_segments)
  int64_t omitted_exposures = 0;   // their exposures

  std::vector<TrendDay> trend;
  std::vector<VariantResult> variants;  // by exposures, most first
  std::vector<std::string> warnings;    // what is missing or suspicious
  // report compare: the two experiments compared (control, treatment);
  // empty for an experiment's own report.
  std::vector<std::string> compared;

  std::optional<CupedReport> cuped;
  std::vector<GuardrailResult> guardrails;
  double guardrail_threshold = 0.01, loss_threshold = 0.01;
  std::vector<Verdict> verdicts;  // one per treatment
};

ExperimentReport build_experiment_report(ledger::Ledger& ledger, const ReportOptions& options);

// Two experiments (two logs, say a uniform-random one and a Thompson
// sampling one of the same campaign) compared as two arms, the first the
// control: the same tables, tests, trend and segments as an experiment's
// report (options.experiment_id unused; the metric defaults to the
// first's), named "A vs B", with a warning that the split was not keyart's
// randomisation and no sample-ratio check.
ExperimentReport build_comparison_report(ledger::Ledger& ledger, const std::string& control_id,
                                         const std::string& treatment_id,
                                         const ReportOptions& options);

}  // namespace keyart::analysis
