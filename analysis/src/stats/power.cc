#include "keyart/analysis/stats/power.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace keyart::analysis::stats {

namespace {

void check(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

void check_design(const PowerDesign& d) {
  check(d.baseline > 0 && d.baseline < 1,
        "baseline rate " + std::to_string(d.baseline) + " must be between 0 and 1 (e.g. 0.05)");
  check(d.alpha > 0 && d.alpha < 1, "alpha must be between 0 and 1 (e.g. 0.05)");
  check(d.power > 0 && d.power < 1, "power must be between 0 and 1 (e.g. 0.8)");
  check(d.ratio > 0 && std::isfinite(d.ratio), "the allocation ratio must be positive");
}

void check_delta(const PowerDesign& d, double delta) {
  check(delta != 0 && std::isfinite(delta), "the effect to detect must not be 0");
  const double p2 = d.baseline + delta;
  check(p2 > 0 && p2 < 1, "baseline + effect = " + std::to_string(p2) +
                              " is not a rate between 0 and 1; choose a smaller effect");
}

struct Terms {
  double null_sd;         // sqrt(pbar qbar (1 + 1/k))
  double alternative_sd;  // sqrt(p1 q1 + p2 q2 / k)
};

Terms terms(const PowerDesign& d, double delta) {
  const double p1 = d.baseline, p2 = d.baseline + delta, k = d.ratio;
  const double pbar = (p1 + k * p2) / (1 + k);
  return {std::sqrt(pbar * (1 - pbar) * (1 + 1 / k)), std::sqrt(p1 * (1 - p1) + p2 * (1 - p2) / k)};
}

}  // namespace

double sample_size_per_arm(const PowerDesign& design, double delta) {
  check_design(design);
  check_delta(design, delta);
  const Terms t = terms(design, delta);
  const double za = normal_quantile(1 - design.alpha / 2), zb = normal_quantile(design.power);
  const double root = za * t.null_sd + zb * t.alternative_sd;
  return root * root / (delta * delta);
}

double power_for_sample_size(const PowerDesign& design, double delta, double control_units) {
  check_design(design);
  check_delta(design, delta);
  check(control_units > 0, "the number of units must be positive");
  const Terms t = terms(design, delta);
  const double za = normal_quantile(1 - design.alpha / 2);
  return normal_cdf((std::fabs(delta) * std::sqrt(control_units) - za * t.null_sd) /
                    t.alternative_sd);
}

double minimum_detectable_effect(const PowerDesign& design, double control_units) {
  check_design(design);
  check(control_units > 0, "the number of units must be positive");
  // Power rises with delta on (0, 1 - p1); bisect for the design's power.
  double lo = 0, hi = 1 - design.baseline;
  const double top = power_for_sample_size(design, hi * (1 - 1e-12), control_units);
  if (top < design.power) return kNaN;  // not detectable at any effect
  for (int i = 0; i < 200 && hi - lo > 1e-14; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid > 0 && power_for_sample_size(design, mid, control_units) >= design.power) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

}  // namespace keyart::analysis::stats
