#include "keyart/analysis/stats/estimate.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <stdexcept>
#include <string>

namespace keyart::analysis::stats {

MeanEstimate mean_from_sums(double n, double sum, double sum_squares, VarianceDivisor divisor) {
  if (!(n > 0)) return {};
  const double mean = sum / n;
  const bool sample = divisor == VarianceDivisor::kSample;
  if (sample && n < 2) return {mean, kNaN};
  const double variance = std::max(0.0, (sum_squares - n * mean * mean) / (sample ? n - 1 : n));
  return {mean, variance / n};
}

double normal_cdf(double z) {
  if (std::isnan(z)) return kNaN;
  // erfc keeps full relative precision far in the tails.
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return kNaN;
  return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

double z_for_confidence(double confidence) {
  if (!(confidence > 0 && confidence < 1)) {
    throw std::invalid_argument("confidence " + std::to_string(confidence) +
                                " is not between 0 and 1 (use e.g. 0.95)");
  }
  return normal_quantile(0.5 + confidence / 2);
}

double two_sided_p_value(double z) {
  if (std::isnan(z)) return kNaN;
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

Interval normal_interval(const MeanEstimate& estimate, double confidence) {
  if (!estimate.defined()) return {};
  double half = z_for_confidence(confidence) * estimate.se();
  return {estimate.mean - half, estimate.mean + half};
}

double chi_square_upper_tail(double x, double df) {
  if (std::isnan(x) || !(df > 0)) return kNaN;
  if (x <= 0) return 1.0;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(df), x));
}

}  // namespace keyart::analysis::stats
