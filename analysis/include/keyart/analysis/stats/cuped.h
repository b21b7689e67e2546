// CUPED (Deng, Xu, Kohavi & Walker 2013, "Improving the Sensitivity of
// Online Controlled Experiments by Utilizing Pre-Experiment Data", WSDM):
// a per-unit metric Y adjusted by a covariate X measured before the
// experiment (the same metric in a window before it started), Y - theta (X -
// mean X). Its mean is unbiased for the arm's mean (X cannot be moved by
// the treatment), and its variance is Var(Y)(1 - rho^2). theta is pooled
// across arms from the within-arm (co)variances:
//   theta = sum_a S_xy,a / sum_a S_xx,a      (S: centred sums in arm a)
//   adjusted mean_a = mean(Y)_a - theta (mean(X)_a - mean(X))   (all units)
//   Var(adjusted mean_a) = (S_yy,a - 2 theta S_xy,a + theta^2 S_xx,a) / d_a / n_a
// with d_a = n_a - 1 (sample) or n_a (population): the report's divisor.
// Units without pre-experiment data have X = 0 (they had no reward then).
#pragma once

#include <span>
#include <vector>

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

// One arm's unit-level sums.
struct CupedSums {
  double n = 0, sum_y = 0, sum_y2 = 0, sum_x = 0, sum_x2 = 0, sum_xy = 0;
  void add(double x, double y) {
    n += 1;
    sum_y += y;
    sum_y2 += y * y;
    sum_x += x;
    sum_x2 += x * x;
    sum_xy += x * y;
  }
};

struct CupedArm {
  MeanEstimate plain;     // mean(Y) and its variance
  MeanEstimate adjusted;  // the CUPED mean and its variance
  double variance_reduction = kNaN;  // 1 - Var(adjusted) / Var(plain)
};

struct CupedResult {
  double theta = kNaN;  // NaN when X does not vary (no adjustment made)
  std::vector<CupedArm> arms;
};

CupedResult cuped(std::span<const CupedSums> arms,
                  VarianceDivisor divisor = VarianceDivisor::kSample);

}  // namespace keyart::analysis::stats
