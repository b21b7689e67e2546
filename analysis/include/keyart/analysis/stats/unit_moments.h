// Unit-level (viewer-level) sums for one group of exposures, and the rates
// with variances that follow from them. A viewer shown the same title many
// times gives correlated impressions; treating them as independent makes
// intervals too narrow. With n_u exposures and reward sum y_u per unit u
// (K units), the ratio R = sum y_u / sum n_u has the delta-method variance
// (Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric
// Analytics", KDD, section 3):
//   Var(R) ~= (S_yy - 2 R S_ny + R^2 S_nn) / (K * mean(n)^2)
// with sample (co)variances over units, which equals
//   K / (K - 1) * sum (y_u - R n_u)^2 / (sum n_u)^2.
// Moments can be built unit by unit (add_unit) or exposure by exposure in
// time order (add_exposure, given the unit's totals before it), so running
// figures are exact at every point of a single pass.
#pragma once

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

struct UnitMoments {
  double units = 0;              // K: units with at least one exposure
  double units_with_reward = 0;  // units whose reward sum is > 0
  double exposures = 0;          // sum n_u
  double rewards = 0;            // sum y_u
  double sum_n2 = 0;             // sum n_u^2
  double sum_y2 = 0;             // sum y_u^2
  double sum_ny = 0;             // sum n_u y_u
  double sum_r2 = 0;             // sum over exposures of reward^2

  // A whole unit: n exposures, reward sum y, sum of squared rewards r2.
  void add_unit(double n, double y, double r2);
  // One more exposure with reward r for a unit that had n_before exposures
  // and reward sum y_before until now (0, 0 for a new unit).
  void add_exposure(double n_before, double y_before, double r);
  UnitMoments& operator+=(const UnitMoments& other);
};

// Rewards per exposure, exposures treated as independent: variance s^2/N
// with the variance of the per-exposure rewards (divisor N - 1, or N).
MeanEstimate exposure_rate(const UnitMoments& m,
                           VarianceDivisor divisor = VarianceDivisor::kSample);
// Rewards per exposure with the variance clustered by unit (formula above;
// kPopulation leaves out the K / (K - 1)). Undefined with fewer than 2 units.
MeanEstimate clustered_rate(const UnitMoments& m,
                            VarianceDivisor divisor = VarianceDivisor::kSample);
// Share of units with a positive reward sum, variance p(1-p)/K.
MeanEstimate unit_share(const UnitMoments& m);
// (That one is the binomial variance, whatever the divisor.)
// Mean reward sum per unit, variance s^2/K over units (divisor K - 1, or K).
// Undefined with fewer than 2 units.
MeanEstimate rewards_per_unit(const UnitMoments& m,
                              VarianceDivisor divisor = VarianceDivisor::kSample);
// Var(clustered) / Var(independent): how much repeat exposures inflate the
// variance of the rate (1 = no clustering). NaN when either is undefined.
double design_effect(const UnitMoments& m, VarianceDivisor divisor = VarianceDivisor::kSample);

}  // namespace keyart::analysis::stats
