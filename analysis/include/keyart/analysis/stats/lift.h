// Relative lift of a treatment over a control, treatment/control - 1, with
// a normal interval from the delta method on the ratio of two independent
// means: Var(T/C) ~= Var(T)/C^2 + T^2 Var(C)/C^4. Undefined when the
// control's mean is 0 (no lift can be expressed relative to nothing).
#pragma once

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

struct Lift {
  double value = kNaN;  // e.g. 0.12 for +12 %
  double se = kNaN;
  Interval interval;
};

Lift relative_lift(const MeanEstimate& treatment, const MeanEstimate& control,
                   double confidence = 0.95);

}  // namespace keyart::analysis::stats
