// Bayesian comparison of arms. Each arm's rate has a posterior: Beta(1 + s,
// 1 + n - s) after s successes in n trials under a uniform Beta(1,1) prior,
// or a normal approximation N(mean, se^2) for rewards that are not 0/1.
// The quantities are one-dimensional integrals evaluated by Gauss-Legendre
// quadrature (no Monte Carlo, so they are the same on every run and exact to
// ~1e-9) on pieces cut every 2 standard deviations of every posterior, so
// narrow posteriors are never stepped over:
//   P(i beats j)      = integral f_i(x) F_j(x) dx
//   P(i is best)      = integral f_i(x) prod_{j != i} F_j(x) dx
//   expected loss(i)  = E[max_j p_j - p_i] = integral F_i(x) (1 - prod_{j != i} F_j(x)) dx
// (the last from E[max(M, X)] - E[X] with M the best of the others).
#pragma once

#include <span>
#include <vector>

#include "keyart/analysis/stats/estimate.h"

namespace keyart::analysis::stats {

class Posterior {
 public:
  // Beta(alpha, beta), alpha, beta > 0.
  static Posterior beta(double alpha, double beta);
  // Beta(1 + successes, 1 + trials - successes): the uniform prior updated.
  static Posterior from_counts(double successes, double trials);
  // N(mean, sd^2), sd > 0.
  static Posterior normal(double mean, double sd);

  bool is_beta() const { return beta_; }
  double mean() const;
  double sd() const;
  double pdf(double x) const;
  double cdf(double x) const;
  // Where the density can be non-negligible: mean +- 20 sd, cut to the support.
  double lower() const;
  double upper() const;
  bool valid() const;

 private:
  Posterior(bool is_beta, double a, double b) : beta_(is_beta), a_(a), b_(b) {}
  bool beta_;
  double a_, b_;  // alpha, beta or mean, sd
};

// P(rate of treatment > rate of control).
double chance_to_beat(const Posterior& treatment, const Posterior& control);
// P(arm i has the highest rate) for each arm; sums to 1.
std::vector<double> chance_to_be_best(std::span<const Posterior> arms);
// E[max_j p_j - p_i] for each arm i: the rate given up, in expectation, by
// choosing arm i.
std::vector<double> expected_loss(std::span<const Posterior> arms);

}  // namespace keyart::analysis::stats
