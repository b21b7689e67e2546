#include "keyart/analysis/stats/unit_moments.h"

#include <algorithm>

namespace keyart::analysis::stats {

void UnitMoments::add_unit(double n, double y, double r2) {
  units += 1;
  if (y > 0) units_with_reward += 1;
  exposures += n;
  rewards += y;
  sum_n2 += n * n;
  sum_y2 += y * y;
  sum_ny += n * y;
  sum_r2 += r2;
}

void UnitMoments::add_exposure(double n_before, double y_before, double r) {
  const double n = n_before + 1, y = y_before + r;
  if (n_before == 0) units += 1;
  units_with_reward += (y > 0 ? 1 : 0) - (n_before > 0 && y_before > 0 ? 1 : 0);
  exposures += 1;
  rewards += r;
  sum_n2 += n * n - n_before * n_before;
  sum_y2 += y * y - y_before * y_before;
  sum_ny += n * y - n_before * y_before;
  sum_r2 += r * r;
}

UnitMoments& UnitMoments::operator+=(const UnitMoments& o) {
  units += o.units;
  units_with_reward += o.units_with_reward;
  exposures += o.exposures;
  rewards += o.rewards;
  sum_n2 += o.sum_n2;
  sum_y2 += o.sum_y2;
  sum_ny += o.sum_ny;
  sum_r2 += o.sum_r2;
  return *this;
}

MeanEstimate exposure_rate(const UnitMoments& m, VarianceDivisor divisor) {
  return mean_from_sums(m.exposures, m.rewards, m.sum_r2, divisor);
}

MeanEstimate clustered_rate(const UnitMoments& m, VarianceDivisor divisor) {
  if (!(m.exposures > 0)) return {};
  const double ratio = m.rewards / m.exposures;
  if (m.units < 2) return {ratio, kNaN};
  // sum (y - R n)^2 expanded into the stored moments.
  const double residual =
      std::max(0.0, m.sum_y2 - 2 * ratio * m.sum_ny + ratio * ratio * m.sum_n2);
  const double k = m.units;
  const double correction = divisor == VarianceDivisor::kSample ? k / (k - 1) : 1.0;
  return {ratio, correction * residual / (m.exposures * m.exposures)};
}

MeanEstimate unit_share(const UnitMoments& m) {
  if (!(m.units > 0)) return {};
  const double p = m.units_with_reward / m.units;
  return {p, p * (1 - p) / m.units};
}

MeanEstimate rewards_per_unit(const UnitMoments& m, VarianceDivisor divisor) {
  return mean_from_sums(m.units, m.rewards, m.sum_y2, divisor);
}

double design_effect(const UnitMoments& m, VarianceDivisor divisor) {
  const MeanEstimate naive = exposure_rate(m, divisor), clustered = clustered_rate(m, divisor);
  if (!naive.defined() || !clustered.defined() || !(naive.variance > 0)) return kNaN;
  return clustered.variance / naive.variance;
}

}  // namespace keyart::analysis::stats
