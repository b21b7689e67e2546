#include "keyart/analysis/stats/sequential.h"

#include <algorithm>
#include <cmath>

namespace keyart::analysis::stats {

SequentialLook msprt_look(double difference, double variance, double tau, double alpha) {
  SequentialLook look;
  if (!std::isfinite(difference) || !(variance > 0) || !(tau > 0) || !(alpha > 0 && alpha < 1)) {
    return look;
  }
  const double t2 = tau * tau;
  const double v = variance;
  look.log_likelihood_ratio =
      0.5 * std::log(v / (v + t2)) + t2 * difference * difference / (2 * v * (v + t2));
  look.p_value = std::min(1.0, std::exp(-look.log_likelihood_ratio));
  const double half = std::sqrt(2 * v * (v + t2) / t2 *
                                (std::log(1 / alpha) + 0.5 * std::log((v + t2) / v)));
  look.confidence_sequence = {difference - half, difference + half};
  return look;
}

void AlwaysValidTest::look(double difference, double variance) {
  SequentialLook now = msprt_look(difference, variance, tau_, alpha_);
  if (!defined(now.p_value)) return;
  ++looks_;
  last_ = now;
  p_value_ = std::isnan(p_value_) ? now.p_value : std::min(p_value_, now.p_value);
}

}  // namespace keyart::analysis::stats
