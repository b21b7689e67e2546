#include "exploration.h"

#include <algorithm>
#include <cmath>

namespace keyart::engine {

void mix_floor(std::span<double> q, double floor) {
  const double k = static_cast<double>(q.size());
  for (double& x : q) x = floor / k + (1 - floor) * x;
}

void argmax_split(std::span<const double> scores, std::span<double> q) {
  double best = -INFINITY;
  for (double s : scores) best = std::max(best, s);
  const double tol = 1e-12 * (1 + std::abs(best));
  int ties = 0;
  for (double s : scores) ties += s >= best - tol;
  for (size_t i = 0; i < scores.size(); ++i) q[i] = scores[i] >= best - tol ? 1.0 / ties : 0.0;
}

int sample_index(std::span<const double> p, Rng& rng) {
  double u = rng.uniform(), acc = 0;
  int last = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    acc += p[i];
    last = static_cast<int>(i);
    if (u < acc) return last;
  }
  return last;  // rounding: u beyond the accumulated sum
}

void finish_choice(ChoiceOutput& out, double floor, Rng& rng) {
  mix_floor(out.probabilities, floor);
  out.chosen = sample_index(out.probabilities, rng);
}

int gaussian_argmax_distribution(std::span<const double> mean, std::span<const double> cov,
                                 Rng& rng, std::span<double> q, std::span<double> scratch,
                                 const TsDraws& limits) {
  const int k = static_cast<int>(mean.size());
  if (k == 1) {
    q[0] = 1;
    return 0;
  }
  if (k == 2) {
    double var = cov[0] + cov[3] - 2 * cov[1];
    double diff = mean[0] - mean[1];
    if (var <= 1e-300) {
      argmax_split(mean, q);
    } else {
      q[0] = 0.5 * std::erfc(-diff / std::sqrt(2 * var));
      q[1] = 1 - q[0];
    }
    return 0;
  }
  // Cholesky factor L (lower) of cov, with a tiny jitter for semi-definite cov.
  double* L = scratch.data();
  double* z = L + k * k;
  double* s = z + k;
  double trace = 0;
  for (int i = 0; i < k; ++i) trace += cov[i * k + i];
  const double jitter = 1e-12 * std::max(trace / k, 1e-300);
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j <= i; ++j) {
      double sum = cov[i * k + j] + (i == j ? jitter : 0.0);
      for (int m = 0; m < j; ++m) sum -= L[i * k + m] * L[j * k + m];
      if (i == j) {
        L[i * k + i] = sum > 0 ? std::sqrt(sum) : 0.0;
      } else {
        L[i * k + j] = L[j * k + j] > 0 ? sum / L[j * k + j] : 0.0;
      }
    }
    for (int j = i + 1; j < k; ++j) L[i * k + j] = 0;
  }
  auto draw = [&](double* out) {
    for (int i = 0; i < k; ++i) z[i] = rng.normal();
    for (int i = 0; i < k; ++i) {
      double v = mean[i];
      for (int j = 0; j <= i; ++j) v += L[i * k + j] * z[j];
      out[i] = v;
    }
  };
  return estimate_argmax_distribution(k, draw, q, std::span<double>(s, k), limits);
}

}  // namespace keyart::engine
