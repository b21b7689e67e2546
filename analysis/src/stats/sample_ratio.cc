#include "keyart/analysis/stats/sample_ratio.h"

#include <numeric>
#include <stdexcept>

namespace keyart::analysis::stats {

SampleRatioTest sample_ratio_test(std::span<const double> observed,
                                  std::span<const double> expected_shares) {
  if (observed.size() != expected_shares.size()) {
    throw std::invalid_argument("sample ratio test: one intended share per arm is needed");
  }
  for (double share : expected_shares) {
    if (!(share > 0)) throw std::invalid_argument("sample ratio test: shares must be positive");
  }
  SampleRatioTest test;
  const double total = std::accumulate(observed.begin(), observed.end(), 0.0);
  const double share_total = std::accumulate(expected_shares.begin(), expected_shares.end(), 0.0);
  if (observed.size() < 2 || !(total > 0)) return test;
  double chi = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    const double expected = total * expected_shares[i] / share_total;
    chi += (observed[i] - expected) * (observed[i] - expected) / expected;
  }
  test.chi_square = chi;
  test.degrees_of_freedom = static_cast<double>(observed.size() - 1);
  test.p_value = chi_square_upper_tail(chi, test.degrees_of_freedom);
  test.alarm = test.p_value < kSrmAlarmP;
  return test;
}

}  // namespace keyart::analysis::stats
