// Inference for rates: the Wilson score interval for one proportion, the
// pooled two-proportion z-test, and the unpooled z-test for a difference of
// two means (for rewards that are not 0/1, or variances from clustered
// data). Counts are doubles so that effective (design-adjusted) counts can be
// passed; anything the data cannot define comes back NaN.
#pragma once

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

// Wilson (1927) score interval for successes/trials. Undefined (NaN) when
// trials <= 0; successes must lie in [0, trials].
Interval wilson_interval(double successes, double trials, double confidence = 0.95);

struct ZTest {
  double difference = kNaN;  // treatment - control
  double z = kNaN;
  double p_value = kNaN;     // two-sided
};

// Pooled two-proportion z-test of H0: p_treatment = p_control (equivalent to
// Pearson's chi-square on the 2x2 table without continuity correction).
// Undefined when either arm has no trials or the pooled rate is 0 or 1 (no
// information: no rewards anywhere, or rewards everywhere).
ZTest two_proportion_z_test(double control_successes, double control_trials,
                            double treatment_successes, double treatment_trials);

// Unpooled (Welch) z-test of H0: mean_treatment = mean_control from two
// independent estimates and the variances of those estimates.
ZTest mean_difference_z_test(const MeanEstimate& control, const MeanEstimate& treatment);

}  // namespace keyart::analysis::stats
