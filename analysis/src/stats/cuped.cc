#include "keyart/analysis/stats/cuped.h"

#include <algorithm>

namespace keyart::analysis::stats {

namespace {

// Centred sums of one arm: S_xx, S_xy, S_yy.
struct Centred {
  double xx = 0, xy = 0, yy = 0;
};

Centred centred(const CupedSums& a) {
  if (!(a.n > 0)) return {};
  return {a.sum_x2 - a.sum_x * a.sum_x / a.n, a.sum_xy - a.sum_x * a.sum_y / a.n,
          a.sum_y2 - a.sum_y * a.sum_y / a.n};
}

}  // namespace

CupedResult cuped(std::span<const CupedSums> arms, VarianceDivisor divisor) {
  CupedResult out;
  double xx = 0, xy = 0, n = 0, sum_x = 0;
  for (const CupedSums& a : arms) {
    const Centred c = centred(a);
    xx += c.xx;
    xy += c.xy;
    n += a.n;
    sum_x += a.sum_x;
  }
  out.theta = xx > 0 ? xy / xx : kNaN;
  const double theta = std::isfinite(out.theta) ? out.theta : 0;
  const double mean_x = n > 0 ? sum_x / n : 0;
  for (const CupedSums& a : arms) {
    CupedArm arm;
    const double d = divisor == VarianceDivisor::kSample ? a.n - 1 : a.n;
    if (a.n > 0) {
      const Centred c = centred(a);
      const double mean_y = a.sum_y / a.n, arm_mean_x = a.sum_x / a.n;
      arm.plain.mean = mean_y;
      arm.adjusted.mean = mean_y - theta * (arm_mean_x - mean_x);
      if (d > 0) {
        arm.plain.variance = std::max(0.0, c.yy) / d / a.n;
        arm.adjusted.variance =
            std::max(0.0, c.yy - 2 * theta * c.xy + theta * theta * c.xx) / d / a.n;
        if (arm.plain.variance > 0) {
          arm.variance_reduction = 1 - arm.adjusted.variance / arm.plain.variance;
        }
      }
    }
    out.arms.push_back(arm);
  }
  return out;
}

}  // namespace keyart::analysis::stats
