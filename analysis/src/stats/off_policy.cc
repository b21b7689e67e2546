#include "keyart/analysis/stats/off_policy.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace keyart::analysis::stats {

OffPolicyEstimator::OffPolicyEstimator(const OffPolicyOptions& options)
    : options_(options), z_(z_for_confidence(options.confidence)) {
  if (!(options.clip > 0)) throw std::invalid_argument("the weight clip must be positive");
}

void OffPolicyEstimator::add(const OffPolicySample& s) {
  if (!(s.logging_propensity > 0 && s.logging_propensity <= 1)) {
    throw std::invalid_argument("logged propensity " + std::to_string(s.logging_propensity) +
                                " is not in (0, 1]");
  }
  if (!(s.target_probability >= 0 && s.target_probability <= 1)) {
    throw std::invalid_argument("target probability " + std::to_string(s.target_probability) +
                                " is not in [0, 1]");
  }
  double w = s.target_probability / s.logging_propensity;
  if (w > options_.clip) {
    w = options_.clip;
    ++clipped_;
  }
  ++n_;
  if (s.target_probability > 0) ++matches_;
  min_propensity_ = std::isnan(min_propensity_) ? s.logging_propensity
                                                 : std::min(min_propensity_, s.logging_propensity);
  max_weight_ = std::max(max_weight_, w);
  const double wr = w * s.reward;
  sum_w_ += w;
  sum_w2_ += w * w;
  sum_wr_ += wr;
  sum_wr2_ += wr * wr;
  sum_w2r_ += w * wr;
  const double dr = s.predicted_value + w * (s.reward - s.predicted_reward);
  sum_dr_ += dr;
  sum_dr2_ += dr * dr;
}

OffPolicyEstimate OffPolicyEstimator::mean_estimate(double sum, double sum_squares) const {
  const MeanEstimate m = mean_from_sums(static_cast<double>(n_), sum, sum_squares);
  OffPolicyEstimate e;
  e.value = m.mean;
  if (!m.defined()) return e;
  e.se = m.se();
  e.interval = {e.value - z_ * e.se, e.value + z_ * e.se};
  return e;
}

OffPolicyEstimate OffPolicyEstimator::ips() const { return mean_estimate(sum_wr_, sum_wr2_); }

OffPolicyEstimate OffPolicyEstimator::doubly_robust() const {
  return mean_estimate(sum_dr_, sum_dr2_);
}

OffPolicyEstimate OffPolicyEstimator::snips() const {
  OffPolicyEstimate e;
  if (!(sum_w_ > 0)) return e;  // the target never agrees with the log
  e.value = sum_wr_ / sum_w_;
  if (n_ < 2) return e;
  // sum w^2 (r - V)^2 = sum (w r)^2 - 2 V sum w^2 r + V^2 sum w^2
  const double residual =
      std::max(0.0, sum_wr2_ - 2 * e.value * sum_w2r_ + e.value * e.value * sum_w2_);
  e.se = std::sqrt(residual) / sum_w_;
  e.interval = {e.value - z_ * e.se, e.value + z_ * e.se};
  return e;
}

OffPolicyDiagnostics OffPolicyEstimator::diagnostics() const {
  OffPolicyDiagnostics d;
  d.samples = n_;
  d.clipped = clipped_;
  d.target_matches = matches_;
  d.min_propensity = min_propensity_;
  if (n_ > 0) {
    d.max_weight = max_weight_;
    d.mean_weight = sum_w_ / static_cast<double>(n_);
    d.effective_sample_size = sum_w2_ > 0 ? sum_w_ * sum_w_ / sum_w2_ : 0.0;
  }
  return d;
}

}  // namespace keyart::analysis::stats
