// Sample size and power for comparing two proportions with a two-sided
// z-test (Fleiss, Levin & Paik, "Statistical Methods for Rates and
// Proportions", 3rd ed., 2003, eq. 4.14 without continuity correction; the
// same approximation as R's power.prop.test). With baseline p1, treatment
// p2 = p1 + delta, k = n2/n1 and pbar = (p1 + k p2)/(1 + k):
//   n1 = (z_{1-a/2} sqrt(pbar qbar (1 + 1/k)) + z_{1-b} sqrt(p1 q1 + p2 q2 / k))^2 / delta^2.
// Power ignores the far rejection tail, as that formula does.
#pragma once

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

struct PowerDesign {
  double baseline = kNaN;  // control rate p1, 0 < p1 < 1
  double alpha = 0.05;     // two-sided significance level
  double power = 0.8;      // 1 - beta
  double ratio = 1;        // treatment units per control unit (k)
};

// Units needed in the control arm (the treatment arm needs ratio times as
// many) to detect an absolute difference `delta` (p2 = p1 + delta). Throws
// std::invalid_argument, naming the bad value, when the design is
// impossible (rates outside (0,1), alpha or power outside (0,1), ratio <= 0,
// delta = 0).
double sample_size_per_arm(const PowerDesign& design, double delta);

// Power of the test with n1 control units to detect delta.
double power_for_sample_size(const PowerDesign& design, double delta, double control_units);

// The smallest positive absolute difference detectable with n1 control units
// at the design's power (solved by bisection on power_for_sample_size).
double minimum_detectable_effect(const PowerDesign& design, double control_units);

}  // namespace keyart::analysis::stats
