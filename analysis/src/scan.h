// The report's single pass over an experiment's exposures, in time order,
// with the rewards of every metric it reports (the primary and the
// guardrails) joined in memory by exposure id. It keeps, per metric and
// arm, and for the primary metric per (segment, arm), the unit-level
// moments (stats/unit_moments.h) updated exposure by exposure, so a copy
// taken at each day boundary gives exact cumulative figures for the trend;
// per variant its exposures and primary rewards; and, with CUPED, each
// viewer's primary value beside its pre-experiment covariate
// (cuped_scan.h). Up to four metrics share one pass (more take one pass
// per four). Units are told apart by a 64-bit hash of their id (a
// collision among ten million units has probability ~3e-6). Internal to
// keyart_analysis.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keyart/analysis/experiment_report.h"
#include "keyart/ledger/ledger.h"
#include "keyart/analysis/stats/unit_moments.h"
#include "cuped_scan.h"

namespace keyart::analysis {

struct ScanRequest {
  std::string experiment_id;
  std::vector<std::string> metrics;  // the first is the primary metric
  std::vector<std::string> arm_ids;  // in the experiment's order
  // A comparison of experiments (report compare): their exposures, each
  // experiment one arm (arm_ids are then these ids; experiment_id unused).
  bool arms_are_experiments = false;
  Segmentation by;
  int hour_bucket = 6;
  int64_t since_ms = 0;
  int64_t until_ms = INT64_MAX;
  // CUPED for the primary metric: the covariate is each viewer's value in
  // [cuped_from_ms, cuped_to_ms) over every exposure of the ledger.
  bool cuped = false;
  bool cuped_unit_share = false;  // Y and X as 1 when any reward, else sums
  int64_t cuped_from_ms = 0, cuped_to_ms = 0;
};

struct DaySnapshot {
  int64_t day = 0;                               // days since 1970-01-01 (UTC)
  std::vector<stats::UnitMoments> cumulative;    // per arm, up to the day's end
  std::vector<int64_t> exposures;                // per arm, that day
  std::vector<double> rewards;                   // per arm, that day
};

struct VariantTally {
  std::string variant_id;
  int64_t exposures = 0;
  double rewards = 0;
  double sum_r2 = 0;
};

// One metric's figures (segments and variants: the primary metric's only).
struct ScanResult {
  bool binary_metric = true;
  int64_t rewards_joined = 0;  // rewards of the metric on the exposures read
  int64_t exposures = 0;
  double rewards = 0;
  int64_t first_ts = 0, last_ts = 0;
  std::vector<stats::UnitMoments> arms;          // per arm
  std::vector<std::string> segment_labels;       // in order of first appearance
  std::vector<stats::UnitMoments> segments;      // [segment * arms + arm]
  std::vector<DaySnapshot> days;
  std::vector<VariantTally> variants;            // in order of first appearance
};

struct ExperimentScan {
  std::vector<ScanResult> metrics;  // in the request's order
  CupedScan cuped;                  // with request.cuped
};

ExperimentScan scan_experiment(ledger::Ledger& ledger, const ScanRequest& request);

// The label of an hour bucket, e.g. "06-11" for hour 7 with 6-hour buckets.
std::string hour_bucket_label(int64_t hour, int bucket);

}  // namespace keyart::analysis
