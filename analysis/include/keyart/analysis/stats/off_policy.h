// Off-policy estimators: the reward rate a target policy pi would have had,
// estimated from exposures logged under another policy that recorded the
// probability p it gave the variant it showed. Per logged row the importance
// weight is w = pi(a|x) / p(a|x), optionally clipped at a maximum M (the
// number of clipped rows is reported; clipping trades variance for bias).
//   IPS    (Horvitz & Thompson 1952): V = mean(w r); se from the sample
//          variance of w r.
//   SNIPS  (self-normalised, Swaminathan & Joachims 2015): V = sum(w r) /
//          sum(w); delta-method variance sum(w^2 (r - V)^2) / sum(w)^2.
//   DR     (doubly robust, Dudik, Langford & Li 2011): with a reward model
//          q(x, a), V = mean(sum_a pi(a|x) q(x, a) + w (r - q(x, a_logged)));
//          se from the sample variance of those terms. Unbiased when either
//          the propensities or the reward model are right.
// Intervals are normal: V +- z se. Diagnostics: the effective sample size
// (sum w)^2 / sum w^2 (Kish), the smallest logged propensity, the mean
// weight (about 1 when the target policy is supported by the log), and how
// many weights were clipped.
#pragma once

#include <cstdint>
#include <limits>

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

struct OffPolicySample {
  double reward = 0;
  double logging_propensity = 1;  // p(a_logged | x), in (0, 1]
  double target_probability = 0;  // pi(a_logged | x), in [0, 1]
  double predicted_reward = 0;    // q(x, a_logged), for DR
  double predicted_value = 0;     // sum_a pi(a|x) q(x, a), for DR
};

struct OffPolicyOptions {
  double clip = std::numeric_limits<double>::infinity();  // max weight M
  double confidence = 0.95;
};

struct OffPolicyEstimate {
  double value = kNaN;
  double se = kNaN;
  Interval interval;
};

struct OffPolicyDiagnostics {
  int64_t samples = 0;
  int64_t clipped = 0;               // weights cut down to the clip
  int64_t target_matches = 0;        // rows with pi(a_logged|x) > 0
  double effective_sample_size = kNaN;
  double min_propensity = kNaN;
  double max_weight = kNaN;          // after clipping
  double mean_weight = kNaN;
};

// Accumulates logged rows (in any order; a streaming single pass) and reports
// the three estimates. Throws std::invalid_argument for a propensity outside
// (0, 1] or a target probability outside [0, 1].
class OffPolicyEstimator {
 public:
  explicit OffPolicyEstimator(const OffPolicyOptions& options = {});
  void add(const OffPolicySample& sample);

  OffPolicyEstimate ips() const;
  OffPolicyEstimate snips() const;
  OffPolicyEstimate doubly_robust() const;
  OffPolicyDiagnostics diagnostics() const;

 private:
  OffPolicyEstimate mean_estimate(double sum, double sum_squares) const;
  OffPolicyOptions options_;
  double z_;
  int64_t n_ = 0, clipped_ = 0, matches_ = 0;
  double min_propensity_ = kNaN, max_weight_ = 0;
  double sum_w_ = 0, sum_w2_ = 0;
  double sum_wr_ = 0, sum_wr2_ = 0;     // IPS: sum (w r), sum (w r)^2
  double sum_w2r_ = 0;                  // SNIPS: sum w^2 r
  double sum_dr_ = 0, sum_dr2_ = 0;     // DR terms
};

}  // namespace keyart::analysis::stats
