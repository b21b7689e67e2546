#include "keyart/analysis/stats/bayes.h"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/quadrature/gauss.hpp>
#include <cmath>
#include <functional>
#include <numbers>

namespace keyart::analysis::stats {

namespace {

constexpr double kTailSds = 20;

}  // namespace

Posterior Posterior::beta(double alpha, double beta) { return Posterior(true, alpha, beta); }

Posterior Posterior::from_counts(double successes, double trials) {
  return beta(1 + successes, 1 + trials - successes);
}

Posterior Posterior::normal(double mean, double sd) { return Posterior(false, mean, sd); }

bool Posterior::valid() const {
  if (beta_) return a_ > 0 && b_ > 0 && std::isfinite(a_) && std::isfinite(b_);
  return std::isfinite(a_) && std::isfinite(b_) && b_ > 0;
}

double Posterior::mean() const { return beta_ ? a_ / (a_ + b_) : a_; }

double Posterior::sd() const {
  if (!beta_) return b_;
  const double s = a_ + b_;
  return std::sqrt(a_ * b_ / (s * s * (s + 1)));
}

double Posterior::pdf(double x) const {
  if (!beta_) {
    const double z = (x - a_) / b_;
    return std::exp(-0.5 * z * z) / (b_ * std::sqrt(2 * std::numbers::pi));
  }
  if (x <= 0 || x >= 1) return 0;
  return boost::math::pdf(boost::math::beta_distribution<double>(a_, b_), x);
}

double Posterior::cdf(double x) const {
  if (!beta_) return normal_cdf((x - a_) / b_);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return boost::math::ibeta(a_, b_, x);
}

double Posterior::lower() const {
  const double x = mean() - kTailSds * sd();
  return beta_ ? std::max(0.0, x) : x;
}

double Posterior::upper() const {
  const double x = mean() + kTailSds * sd();
  return beta_ ? std::min(1.0, x) : x;
}

namespace {

bool all_valid(std::span<const Posterior> arms) {
  return std::all_of(arms.begin(), arms.end(), [](const Posterior& p) { return p.valid(); });
}

// Integrates f over [a, b] with 20-point Gauss-Legendre on pieces cut every
// 2 standard deviations of every posterior (from -20 to +20 sd): the
// integrands are products of densities and CDFs, each smooth on the scale of
// its own sd, so each piece is a near-polynomial and the rule is exact to
// ~1e-12 at a fixed, small cost (no adaptive refinement chasing zeros).
double integrate(const std::function<double(double)>& f, double a, double b,
                 std::span<const Posterior> arms) {
  if (!(b > a)) return 0;
  std::vector<double> cuts{a, b};
  for (const Posterior& p : arms) {
    for (double k = -kTailSds; k <= kTailSds; k += 2) {
      double x = p.mean() + k * p.sd();
      if (x > a && x < b) cuts.push_back(x);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  double total = 0;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    if (!(cuts[i + 1] > cuts[i])) continue;
    total += boost::math::quadrature::gauss<double, 20>::integrate(f, cuts[i], cuts[i + 1]);
  }
  return total;
}

double product_of_cdfs_except(std::span<const Posterior> arms, size_t skip, double x) {
  double product = 1;
  for (size_t j = 0; j < arms.size() && product > 0; ++j) {
    if (j != skip) product *= arms[j].cdf(x);
  }
  return product;
}

}  // namespace

double chance_to_beat(const Posterior& treatment, const Posterior& control) {
  const Posterior pair[] = {treatment, control};
  return chance_to_be_best(pair)[0];
}

std::vector<double> chance_to_be_best(std::span<const Posterior> arms) {
  std::vector<double> out(arms.size(), kNaN);
  if (arms.empty() || !all_valid(arms)) return out;
  double total = 0;
  for (size_t i = 0; i < arms.size(); ++i) {
    auto f = [&](double x) { return arms[i].pdf(x) * product_of_cdfs_except(arms, i, x); };
    out[i] = std::clamp(integrate(f, arms[i].lower(), arms[i].upper(), arms), 0.0, 1.0);
    total += out[i];
  }
  // Quadrature leaves each term within ~1e-9; renormalise so they sum to 1.
  if (total > 0) {
    for (double& p : out) p /= total;
  }
  return out;
}

std::vector<double> expected_loss(std::span<const Posterior> arms) {
  std::vector<double> out(arms.size(), kNaN);
  if (arms.empty() || !all_valid(arms)) return out;
  if (arms.size() == 1) return {0.0};
  double lo = arms[0].lower(), hi = arms[0].upper();
  for (const Posterior& p : arms) {
    lo = std::min(lo, p.lower());
    hi = std::max(hi, p.upper());
  }
  for (size_t i = 0; i < arms.size(); ++i) {
    auto f = [&](double x) { return arms[i].cdf(x) * (1 - product_of_cdfs_except(arms, i, x)); };
    // F_i is 0 below arm i's support: start there.
    out[i] = std::max(0.0, integrate(f, std::max(lo, arms[i].lower()), hi, arms));
  }
  return out;
}

}  // namespace keyart::analysis::stats
