#include "keyart/analysis/experiment_report.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "compare.h"
#include "keyart/analysis/stats/multiple_testing.h"
#include "keyart/engine/context_fields.h"
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

// Everything after choosing what is compared: report.experiment says what
// (its arms in order, the control marked), request what to read. With
// `randomized` the split was keyart's, so the sample-ratio check applies.
ExperimentReport finish_report(ledger::Ledger& ledger, const ReportOptions& options,
                               ExperimentReport report, ScanRequest request, bool randomized) {
  const ledger::Experiment& experiment = report.experiment;
  report.analysis = options.analysis;
  report.confidence = options.confidence;
  report.variance = options.variance;
  report.sequential_tau = options.sequential_tau;
  report.since_ms = options.since_ms;
  report.until_ms = options.until_ms;
  report.by = options.by;
  report.generated_at_ms = ledger::now_ms();

  request.metric = report.metric;
  request.by = options.by;
  request.hour_bucket = options.hour_bucket;
  request.since_ms = options.since_ms.value_or(0);
  request.until_ms = options.until_ms.value_or(INT64_MAX);
  size_t control = 0;
  for (size_t i = 0; i < experiment.arms.size(); ++i) {
    request.arm_ids.push_back(experiment.arms[i].arm_id);
    report.intended_shares.push_back(experiment.arms[i].traffic_share);
    if (experiment.arms[i].is_control) control = i;
  }
  if (request.arm_ids.empty()) {
    report.warnings.push_back("experiment '" + experiment.experiment_id + "' has no arms");
    return report;
  }
  ScanResult scan = scan_experiment(ledger, request);
  report.binary_metric = scan.binary_metric;
  report.exposures = scan.exposures;
  report.rewards = scan.rewards;
  report.first_ts = scan.first_ts;
  report.last_ts = scan.last_ts;

  report.overall.arms = compare_arms(request.arm_ids, control, scan.arms, options.analysis,
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
    add_segments(scan, request.arm_ids, control, options, scan.binary_metric, report);
  }
  add_variants(ledger, scan, scan.binary_metric, options.confidence, report);
  return report;
}

}  // namespace

ExperimentReport build_experiment_report(ledger::Ledger& ledger, const ReportOptions& options) {
  check_options(options);
  ExperimentReport report;
  report.experiment = experiment_or_throw(ledger, options.experiment_id);
  report.metric = options.metric.empty() ? report.experiment.metric : options.metric;
  ScanRequest request;
  request.experiment_id = options.experiment_id;
  return finish_report(ledger, options, std::move(report), std::move(request), true);
}

ExperimentReport build_comparison_report(ledger::Ledger& ledger, const std::string& control_id,
                                         const std::string& treatment_id,
                                         const ReportOptions& options) {
  check_options(options);
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
  ScanRequest request;
  request.arms_are_experiments = true;
  return finish_report(ledger, options, std::move(report), std::move(request), false);
}

}  // namespace keyart::analysis
