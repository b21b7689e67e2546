#include "keyart/analysis/stats/lift.h"

#include <cmath>

namespace keyart::analysis::stats {

Lift relative_lift(const MeanEstimate& treatment, const MeanEstimate& control,
                   double confidence) {
  Lift lift;
  if (!treatment.defined() || !control.defined() || control.mean == 0) return lift;
  const double c = control.mean;
  const double t = treatment.mean;
  lift.value = t / c - 1;
  const double variance = treatment.variance / (c * c) + t * t * control.variance / (c * c * c * c);
  lift.se = std::sqrt(variance);
  lift.interval = normal_interval({lift.value, variance}, confidence);
  return lift;
}

}  // namespace keyart::analysis::stats
