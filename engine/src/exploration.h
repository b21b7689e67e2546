// Internal: turning scores into choice probabilities. The floor mix, argmax
// with ties split evenly, sampling an index from a distribution, and the
// Monte Carlo estimate of Thompson sampling's choice distribution.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

#include "keyart/engine/policy.h"
#include "keyart/engine/random.h"

namespace keyart::engine {

// q := floor/K + (1 - floor) q.
void mix_floor(std::span<double> q, double floor);
// q := uniform over the candidates whose score equals the maximum.
void argmax_split(std::span<const double> scores, std::span<double> q);
// An index drawn from p (which sums to 1).
int sample_index(std::span<const double> p, Rng& rng);
// Mixes the floor into out.probabilities (holding q) and samples out.chosen.
void finish_choice(ChoiceOutput& out, double floor, Rng& rng);

// Thompson sampling's choice distribution by Monte Carlo: draw(scores)
// writes one posterior draw of the K scores; q_i = share of draws where i is
// the maximum. Draws come in batches of 256 until the leading candidate's
// relative standard error sqrt((1 - q)/(n q)) is at most 2%, or max_draws.
// Returns the number of draws used.
struct TsDraws {
  int batch = 256;
  int max_draws = 4096;
  double target_rse = 0.02;
};
template <typename Draw>
int estimate_argmax_distribution(int k, Draw&& draw, std::span<double> q,
                                 std::span<double> scratch, const TsDraws& limits = {}) {
  std::fill(q.begin(), q.end(), 0.0);
  double* s = scratch.data();
  int n = 0;
  while (n < limits.max_draws) {
    for (int b = 0; b < limits.batch; ++b) {
      draw(s);
      int best = 0;
      for (int i = 1; i < k; ++i) {
        if (s[i] > s[best]) best = i;
      }
      q[best] += 1;
    }
    n += limits.batch;
    double lead = *std::max_element(q.begin(), q.end()) / n;
    if (std::sqrt((1 - lead) / (n * lead)) <= limits.target_rse) break;
  }
  for (double& x : q) x /= n;
  return n;
}

// The same for jointly normal scores N(mean, cov) (cov K x K row-major):
// exact for K <= 2 (Phi of the standardized difference), else Monte Carlo
// through the Cholesky factor. scratch needs K*K + 2K doubles.
int gaussian_argmax_distribution(std::span<const double> mean, std::span<const double> cov,
                                 Rng& rng, std::span<double> q, std::span<double> scratch,
                                 const TsDraws& limits = {});

}  // namespace keyart::engine
