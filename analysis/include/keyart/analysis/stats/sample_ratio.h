// Sample-ratio mismatch (SRM): Pearson's chi-square goodness-of-fit test of
// the units observed per arm against the traffic shares the experiment
// intended. A tiny p-value means assignment or logging is broken and the
// experiment's comparisons cannot be trusted; by convention (Fabijan et al.
// 2019, "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments",
// KDD) the alarm threshold is p < 0.001.
#pragma once

#include <span>
#include <string>

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

inline constexpr double kSrmAlarmP = 0.001;

struct SampleRatioTest {
  double chi_square = kNaN;
  double degrees_of_freedom = kNaN;
  double p_value = kNaN;
  bool alarm = false;  // p_value < kSrmAlarmP
};

// observed[i] units in arm i, intended share expected_shares[i] (normalised
// here, so they need not sum to exactly 1). Undefined with fewer than two
// arms or no units; throws std::invalid_argument when the spans differ in
// length or a share is not positive.
SampleRatioTest sample_ratio_test(std::span<const double> observed,
                                  std::span<const double> expected_shares);

}  // namespace keyart::analysis::stats
