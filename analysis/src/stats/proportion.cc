#include "keyart/analysis/stats/proportion.h"

#include <cmath>

namespace keyart::analysis::stats {

Interval wilson_interval(double successes, double trials, double confidence) {
  if (!(trials > 0) || !(successes >= 0) || successes > trials) return {};
  const double z = z_for_confidence(confidence);
  const double z2 = z * z;
  const double p = successes / trials;
  const double denominator = 1 + z2 / trials;
  const double centre = (p + z2 / (2 * trials)) / denominator;
  const double half =
      z / denominator * std::sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials));
  // Clamp rounding at the edges (0 and n successes give exactly 0 and 1).
  return {std::fmax(0.0, centre - half), std::fmin(1.0, centre + half)};
}

ZTest two_proportion_z_test(double control_successes, double control_trials,
                            double treatment_successes, double treatment_trials) {
  ZTest test;
  if (!(control_trials > 0) || !(treatment_trials > 0)) return test;
  const double pc = control_successes / control_trials;
  const double pt = treatment_successes / treatment_trials;
  test.difference = pt - pc;
  const double pooled =
      (control_successes + treatment_successes) / (control_trials + treatment_trials);
  const double variance = pooled * (1 - pooled) * (1 / control_trials + 1 / treatment_trials);
  if (!(variance > 0)) return test;
  test.z = test.difference / std::sqrt(variance);
  test.p_value = two_sided_p_value(test.z);
  return test;
}

ZTest mean_difference_z_test(const MeanEstimate& control, const MeanEstimate& treatment) {
  ZTest test;
  if (!control.defined() || !treatment.defined()) return test;
  test.difference = treatment.mean - control.mean;
  const double variance = control.variance + treatment.variance;
  if (!(variance > 0)) return test;
  test.z = test.difference / std::sqrt(variance);
  test.p_value = two_sided_p_value(test.z);
  return test;
}

}  // namespace keyart::analysis::stats
