// The dense kernels against a plain triple loop, for every candidate count
// the kernel specialises (1-4 and a remainder), dimensions that are and are
// not multiples of its row strips, and the single-precision matrix.
#include "dense_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "keyart/engine/random.h"

namespace keyart::engine {
namespace {

std::vector<double> random_values(Rng& rng, size_t n) {
  std::vector<double> v(n);
  for (double& x : v) x = rng.normal();
  return v;
}

TEST(DenseKernels, MultiplyMatchesTheDefinition) {
  Rng rng(11);
  for (int d : {1, 3, 8, 13, 16, 17, 48, 64}) {
    for (int k : {1, 2, 3, 4, 5, 7, 9}) {
      std::vector<double> M = random_values(rng, static_cast<size_t>(d) * d);
      std::vector<float> Mf(M.begin(), M.end());
      std::vector<double> W = random_values(rng, static_cast<size_t>(d) * k);
      std::vector<double> G(static_cast<size_t>(d) * k, NAN), Gf(G);
      kernels::multiply(M.data(), d, W.data(), k, G.data());
      kernels::multiply(Mf.data(), d, W.data(), k, Gf.data());
      for (int i = 0; i < k; ++i) {
        for (int r = 0; r < d; ++r) {
          double expect = 0, expect_f = 0, scale = 0;
          for (int j = 0; j < d; ++j) {
            expect += M[j * d + r] * W[i * d + j];
            expect_f += static_cast<double>(Mf[j * d + r]) * W[i * d + j];
            scale += std::abs(M[j * d + r] * W[i * d + j]);
          }
          ASSERT_NEAR(G[i * d + r], expect, 1e-13 * (1 + scale)) << "d=" << d << " k=" << k;
          ASSERT_NEAR(Gf[i * d + r], expect_f, 1e-13 * (1 + scale)) << "d=" << d << " k=" << k;
          ASSERT_NEAR(Gf[i * d + r], expect, 1e-7 * (1 + scale)) << "d=" << d << " k=" << k;
        }
      }
    }
  }
}

TEST(DenseKernels, RankOneUpdateKeepsTheSingleCopyInStep) {
  Rng rng(12);
  for (int d : {1, 5, 8, 48}) {
    std::vector<double> M = random_values(rng, static_cast<size_t>(d) * d), expect = M;
    std::vector<double> x = random_values(rng, d);
    std::vector<float> single(static_cast<size_t>(d) * d, NAN);
    kernels::rank1_update(M.data(), d, x.data(), -0.37, single.data());
    for (int j = 0; j < d; ++j) {
      for (int r = 0; r < d; ++r) {
        expect[j * d + r] += -0.37 * x[j] * x[r];
        ASSERT_NEAR(M[j * d + r], expect[j * d + r], 1e-14 * (1 + std::abs(expect[j * d + r])));
        ASSERT_EQ(single[j * d + r], static_cast<float>(M[j * d + r]));
      }
    }
  }
}

}  // namespace
}  // namespace keyart::engine
