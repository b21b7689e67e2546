// Turns unit-level moments into the report's per-arm figures for a chosen
// analysis unit: the rate and its interval, the lift and test against the
// control, and the Bayesian comparisons. Shared by the whole-experiment
// table, every segment table and the trend. Internal to keyart_analysis.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keyart/analysis/experiment_report.h"
#include "keyart/analysis/stats/bayes.h"
#include "keyart/analysis/stats/unit_moments.h"

namespace keyart::analysis {

// What the analysis makes of one group's moments: the rate with the variance
// of the rate and, when the rate is a share of 0/1 outcomes, the binomial
// counts behind it (effective counts n/deff for the clustered analysis, so
// Wilson intervals and Beta posteriors carry the clustering too).
struct RateModel {
  stats::MeanEstimate estimate;
  bool has_counts = false;
  bool exact_counts = false;  // counts are real trials, not design-adjusted
  double successes = 0, trials = 0;
};

RateModel rate_model(const stats::UnitMoments& m, Analysis analysis, bool binary_metric,
                     stats::VarianceDivisor divisor);
stats::Interval rate_interval(const RateModel& model, double confidence);
// The Bayesian posterior of the rate: Beta(1 + s, 1 + n - s) from the
// counts, else a normal approximation N(mean, se^2); nullopt when neither is
// defined (no exposures, or no variance).
std::optional<stats::Posterior> posterior(const RateModel& model);
stats::ZTest compare_rates(const RateModel& control, const RateModel& treatment);

// Every arm's figures; p_holm is adjusted across the treatments of this
// table only (callers may re-adjust across a wider family).
std::vector<ArmResult> compare_arms(std::span<const std::string> arm_ids, size_t control,
                                    std::span<const stats::UnitMoments> moments,
                                    Analysis analysis, bool binary_metric, double confidence,
                                    stats::VarianceDivisor divisor);

}  // namespace keyart::analysis
