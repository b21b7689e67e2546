// Always-valid inference for analysts who look at a running experiment every
// day: the mixture sequential probability ratio test (mSPRT) of Johari,
// Koomen, Pekelis & Walsh (2017, "Peeking at A/B Tests: Why it matters, and
// what to do about it", KDD; Operations Research 2022, "Always Valid
// Inference"). For a difference estimate d with variance V (any consistent
// variance, e.g. clustered by unit) and a normal mixing distribution
// N(0, tau^2) over the true difference, the likelihood ratio against H0:
// difference = 0 is
//   Lambda = sqrt(V / (V + tau^2)) * exp(tau^2 d^2 / (2 V (V + tau^2))).
// The always-valid p-value is the running minimum of min(1, 1/Lambda) over
// the looks, and the (1 - alpha) confidence sequence at a look is
//   d +- sqrt(2 V (V + tau^2) / tau^2 * (log(1/alpha) + log((V + tau^2)/V) / 2)).
// Both stay valid however often and whenever one looks (and stops).
//
// Tuning parameter tau: the spread of effect sizes the test is tuned to
// detect, in the metric's units (an absolute difference of rates). The
// guarantee holds for any fixed tau chosen before looking; tau near the
// effect one expects detects that effect soonest. keyart's default is 0.01
// (one percentage point of click rate).
#pragma once

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

inline constexpr double kDefaultSequentialTau = 0.01;

struct SequentialLook {
  double log_likelihood_ratio = kNaN;  // log Lambda
  double p_value = kNaN;               // min(1, 1/Lambda) at this look alone
  Interval confidence_sequence;        // for the difference
};

// One look. Undefined when the variance is not positive or tau <= 0.
SequentialLook msprt_look(double difference, double variance, double tau, double alpha = 0.05);

// Looks in time order; keeps the running minimum p-value.
class AlwaysValidTest {
 public:
  explicit AlwaysValidTest(double tau = kDefaultSequentialTau, double alpha = 0.05)
      : tau_(tau), alpha_(alpha) {}
  void look(double difference, double variance);
  double p_value() const { return p_value_; }          // NaN before a defined look
  const SequentialLook& last() const { return last_; }  // the latest look
  int looks() const { return looks_; }
  double tau() const { return tau_; }

 private:
  double tau_, alpha_;
  double p_value_ = kNaN;
  SequentialLook last_;
  int looks_ = 0;
};

}  // namespace keyart::analysis::stats
