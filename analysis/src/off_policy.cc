#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_map>

#include "flat_map.h"
#include "labels.h"
#include "rewards.h"
#include "keyart/analysis/off_policy_report.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/errors.h"
#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/experiment_store.h"
#include "keyart/analysis/stats/proportion.h"
#include "keyart/ledger/variants.h"

namespace keyart::analysis {

namespace {

constexpr double kPseudoExposures = 10;

struct Sums {
  double n = 0;
  double sum = 0;
};

// The DR reward model, one per half of the log (exposure id parity).
class CellMeanModel {
 public:
  void add(int variant, int device, double reward) {
    Sums& cell = cells_[key(variant, device)];
    cell.n += 1;
    cell.sum += reward;
    if (static_cast<size_t>(variant) >= variants_.size()) variants_.resize(variant + 1);
    variants_[variant].n += 1;
    variants_[variant].sum += reward;
    all_.n += 1;
    all_.sum += reward;
  }
  // variant -1: a variant this half never logged.
  double predict(int variant, int device) const {
    const double global = all_.n > 0 ? all_.sum / all_.n : 0.0;
    Sums v, cell;
    if (variant >= 0 && static_cast<size_t>(variant) < variants_.size()) v = variants_[variant];
    if (variant >= 0) {
      if (const Sums* c = cells_.find(key(variant, device))) cell = *c;
    }
    const double by_variant = (v.sum + kPseudoExposures * global) / (v.n + kPseudoExposures);
    return (cell.sum + kPseudoExposures * by_variant) / (cell.n + kPseudoExposures);
  }

 private:
  static uint64_t key(int variant, int device) {
    return engine::fmix64(static_cast<uint64_t>(variant) << 24 ^ static_cast<uint64_t>(device));
  }
  FlatMap64<Sums> cells_{1024};
  std::vector<Sums> variants_;
  Sums all_;
};

// The exposures the evaluation reads: its experiment (and arm) and time range.
ledger::ExposureScan scope_of(const OffPolicyOptions& o, uint32_t fields) {
  ledger::ExposureScan scan;
  scan.fields = fields;
  scan.experiment_id = o.experiment_id;
  scan.arm_id = o.arm_id;
  scan.since_ms = o.since_ms.value_or(0);
  scan.until_ms = o.until_ms.value_or(INT64_MAX);
  return scan;
}

// Every variant of a title, for exposures logged with an empty candidate list.
class TitleVariants {
 public:
  explicit TitleVariants(ledger::Ledger& ledger) : ledger_(ledger) {}
  const std::vector<std::string>& of(std::string_view title) {
    auto it = cache_.find(std::string(title));
    if (it != cache_.end()) return it->second;
    std::vector<std::string> ids;
    for (const auto& v : ledger::list_variants(ledger_, title, true)) ids.push_back(v.variant_id);
    return cache_.emplace(std::string(title), std::move(ids)).first->second;
  }

 private:
  ledger::Ledger& ledger_;
  std::unordered_map<std::string, std::vector<std::string>> cache_;
};

std::string describe_reward_model() {
  return "q(variant, device) = mean logged reward of the cell, shrunk towards the variant's "
         "mean with 10 pseudo-exposures, itself shrunk towards the overall mean with 10; "
         "cross-fitted on the two halves of the log split by exposure id parity";
}

}  // namespace

OffPolicyReport evaluate_off_policy(ledger::Ledger& ledger, const OffPolicyOptions& options,
                                    TargetPolicy& policy) {
  if (!(options.confidence > 0 && options.confidence < 1)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "confidence must be between 0 and 1 (e.g. 0.95)");
  }
  if (!(options.clip > 0)) {
    throw ledger::LedgerError(ledger::ErrorKind::kInvalid, "the weight clip must be positive (e.g. 20)");
  }
  OffPolicyReport report;
  report.policy = policy.describe();
  report.learning_policy = policy.learns();
  report.reward_model = describe_reward_model();
  report.confidence = options.confidence;
  report.show_ips = options.show_ips;
  report.show_snips = options.show_snips;
  report.show_dr = options.show_dr;
  report.metric = options.metric;
  if (options.experiment_id) {
    auto e = ledger::find_experiment(ledger, *options.experiment_id);
    if (!e) {
      throw ledger::LedgerError(ledger::ErrorKind::kNotFound, "experiment '" + *options.experiment_id +
                                                  "' not found (see 'keyart experiment list')");
    }
    if (options.arm_id &&
        std::none_of(e->arms.begin(), e->arms.end(),
                     [&](const ledger::Arm& a) { return a.arm_id == *options.arm_id; })) {
      throw ledger::LedgerError(ledger::ErrorKind::kNotFound, "experiment '" + *options.experiment_id +
                                                  "' has no arm '" + *options.arm_id + "'");
    }
    if (report.metric.empty()) report.metric = e->metric;
    report.source = "experiment " + *options.experiment_id +
                    (options.arm_id ? ", arm " + *options.arm_id : std::string());
  } else {
    report.source = "all exposures";
  }
  if (report.metric.empty()) report.metric = "click";

  const RewardIndex rewards = load_rewards(ledger, {report.metric});

  // Pass 1: the two halves' reward models.
  Labels variants, devices;
  CellMeanModel models[2];
  ledger::scan_exposures(
      ledger,
      scope_of(options, ledger::kFieldExposureId | ledger::kFieldVariant | ledger::kFieldDevice |
                            ledger::kFieldEventId),
      [&](const ledger::ExposureView& x) {
        models[x.exposure_id & 1].add(variants.index(x.variant_id),
                                      devices.index(x.device.value_or("")),
                                      rewards.reward_of(x.event_id));
      });

  // Pass 2: replay.
  stats::OffPolicyEstimator estimator({.clip = options.clip, .confidence = options.confidence});
  double logged_n = 0, logged_sum = 0, logged_sq = 0;
  int64_t rewards_found = 0;
  bool binary = true;
  ledger::ExposureScan replay = scope_of(
      options, ledger::kFieldExposureId | ledger::kFieldTs | ledger::kFieldUnit |
                   ledger::kFieldTitle | ledger::kFieldVariant | ledger::kFieldDevice |
                   ledger::kFieldCountry | ledger::kFieldHour | ledger::kFieldPropensity |
                   ledger::kFieldContext | ledger::kFieldCandidates | ledger::kFieldEventId);
  // An experiment's exposures by time through its index; all of them in the
  // order they were logged (the table's order, no sort).
  replay.order = options.experiment_id ? ledger::ExposureScan::Order::kTimeThenLogged
                                       : ledger::ExposureScan::Order::kLogged;
  ledger::CandidatesDecoder candidates;
  std::vector<std::string> parsed;
  std::vector<double> pi;
  TitleVariants title_variants(ledger);
  ledger::scan_exposures(ledger, replay, [&](const ledger::ExposureView& x) {
    ++report.rows_read;
    LoggedDecision row;
    row.exposure_id = x.exposure_id;
    row.ts = x.ts;
    row.unit_id = x.unit_id;
    row.title_id = x.title_id;
    row.variant_id = x.variant_id;
    row.device = x.device.value_or(std::string_view());
    row.country = x.country.value_or(std::string_view());
    row.hour = x.hour;
    row.propensity = x.propensity;
    row.context_json = x.context_json;
    const double* found = rewards.find(x.event_id);
    row.reward = found ? *found : 0.0;
    if (found) {
      ++rewards_found;
      if (row.reward != 0 && row.reward != 1) binary = false;
    }
    candidates.decode(x.candidates_json, parsed);
    row.candidates = parsed.empty() ? std::span<const std::string>(title_variants.of(row.title_id))
                                    : std::span<const std::string>(parsed);
    if (row.candidates.empty()) {
      ++report.left_out_no_candidates;
      return;
    }
    auto logged = std::find(row.candidates.begin(), row.candidates.end(), row.variant_id);
    if (logged == row.candidates.end()) {
      ++report.left_out_logged_not_candidate;
      return;
    }
    row.logged_index = static_cast<size_t>(logged - row.candidates.begin());
    if (!policy.probabilities(row, pi)) {
      ++report.left_out_policy_cannot_act;
      policy.learn(row);
      return;
    }
    const CellMeanModel& model = models[1 - (row.exposure_id & 1)];
    const int device = devices.find(row.device);
    double value = 0;
    for (size_t i = 0; i < row.candidates.size(); ++i) {
      if (pi[i] > 0) value += pi[i] * model.predict(variants.find(row.candidates[i]), device);
    }
    estimator.add({.reward = row.reward,
                   .logging_propensity = row.propensity,
                   .target_probability = pi[row.logged_index],
                   .predicted_reward = model.predict(variants.find(row.variant_id), device),
                   .predicted_value = value});
    policy.learn(row);
    ++report.rows_used;
    logged_n += 1;
    logged_sum += row.reward;
    logged_sq += row.reward * row.reward;
  });
  report.ips = estimator.ips();
  report.snips = estimator.snips();
  report.doubly_robust = estimator.doubly_robust();
  report.diagnostics = estimator.diagnostics();
  report.logged = stats::mean_from_sums(logged_n, logged_sum, logged_sq);
  report.logged_interval = binary
                               ? stats::wilson_interval(logged_sum, logged_n, options.confidence)
                               : stats::normal_interval(report.logged, options.confidence);

  if (report.rows_read == 0) {
    report.warnings.push_back("no exposures in " + report.source +
                              (options.since_ms || options.until_ms ? " in the requested time range"
                                                                    : std::string()) +
                              ": nothing to evaluate");
  } else if (report.rows_used == 0) {
    report.warnings.push_back("none of the " + std::to_string(report.rows_read) +
                              " exposures could be evaluated (see the rows left out)");
  }
  if (rewards_found == 0 && report.rows_read > 0) {
    report.warnings.push_back("no '" + report.metric +
                              "' rewards on these exposures: every estimate is 0");
  }
  const auto& d = report.diagnostics;
  if (d.samples >= 100 && std::isfinite(d.mean_weight) && options.clip == INFINITY &&
      std::fabs(d.mean_weight - 1) > 0.1) {
    std::ostringstream w;
    w << "the mean importance weight is " << d.mean_weight
      << " (about 1 when the logged propensities are right and the policy stays where the log "
         "has data): treat IPS with care and prefer SNIPS";
    report.warnings.push_back(w.str());
  }
  if (d.samples > 0 && std::isfinite(d.effective_sample_size) &&
      d.effective_sample_size < 0.01 * static_cast<double>(d.samples)) {
    report.warnings.push_back("the effective sample size is under 1 % of the rows: the "
                              "estimates rest on a few heavily weighted exposures");
  }
  if (d.clipped > 0) {
    report.warnings.push_back(std::to_string(d.clipped) +
                              " weights were clipped: the estimates are biased towards the "
                              "logged policy in exchange for lower variance");
  }
  return report;
}

}  // namespace keyart::analysis
