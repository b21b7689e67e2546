#include "dense_kernels.h"

#include <immintrin.h>

namespace keyart::engine::kernels {

namespace {

void multiply_portable(const double* M, int d, const double* W, int k, double* G) {
  for (int i = 0; i < k; ++i) {
    double* g = G + static_cast<long>(i) * d;
    const double* w = W + static_cast<long>(i) * d;
    for (int r = 0; r < d; ++r) g[r] = 0;
    for (int j = 0; j < d; ++j) {
      const double wj = w[j];
      const double* col = M + static_cast<long>(j) * d;
      for (int r = 0; r < d; ++r) g[r] += col[r] * wj;
    }
  }
}

void rank1_portable(double* M, int d, const double* x, double alpha) {
  for (int j = 0; j < d; ++j) {
    const double s = alpha * x[j];
    double* col = M + static_cast<long>(j) * d;
    for (int r = 0; r < d; ++r) col[r] += s * x[r];
  }
}

double dot_portable(const double* a, const double* b, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

// AVX2 + FMA: G = M W as a small matrix product. Strips of 8 rows times up
// to 4 candidates keep 8 independent accumulators in registers; each step
// reads one cache line of a column of M and broadcasts one entry per w.
__attribute__((target("avx2,fma"))) void multiply_avx2(const double* M, int d, const double* W,
                                                        int k, double* G) {
  const int d8 = d & ~7;
  for (int t0 = 0; t0 < k; t0 += 4) {
    const int n = k - t0 < 4 ? k - t0 : 4;
    const double* w[4];
    double* g[4];
    for (int t = 0; t < 4; ++t) {
      const int i = t0 + (t < n ? t : 0);  // padding lanes repeat the first column
      w[t] = W + static_cast<long>(i) * d;
      g[t] = G + static_cast<long>(i) * d;
    }
    for (int r = 0; r < d8; r += 8) {
      __m256d a00 = _mm256_setzero_pd(), a01 = a00, a10 = a00, a11 = a00;
      __m256d a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      const double* col = M + r;
      for (int j = 0; j < d; ++j, col += d) {
        const __m256d m0 = _mm256_loadu_pd(col), m1 = _mm256_loadu_pd(col + 4);
        __m256d b = _mm256_broadcast_sd(w[0] + j);
        a00 = _mm256_fmadd_pd(m0, b, a00);
        a01 = _mm256_fmadd_pd(m1, b, a01);
        b = _mm256_broadcast_sd(w[1] + j);
        a10 = _mm256_fmadd_pd(m0, b, a10);
        a11 = _mm256_fmadd_pd(m1, b, a11);
        b = _mm256_broadcast_sd(w[2] + j);
        a20 = _mm256_fmadd_pd(m0, b, a20);
        a21 = _mm256_fmadd_pd(m1, b, a21);
        b = _mm256_broadcast_sd(w[3] + j);
        a30 = _mm256_fmadd_pd(m0, b, a30);
        a31 = _mm256_fmadd_pd(m1, b, a31);
      }
      if (n > 3) {
        _mm256_storeu_pd(g[3] + r, a30);
        _mm256_storeu_pd(g[3] + r + 4, a31);
      }
      if (n > 2) {
        _mm256_storeu_pd(g[2] + r, a20);
        _mm256_storeu_pd(g[2] + r + 4, a21);
      }
      if (n > 1) {
        _mm256_storeu_pd(g[1] + r, a10);
        _mm256_storeu_pd(g[1] + r + 4, a11);
      }
      _mm256_storeu_pd(g[0] + r, a00);
      _mm256_storeu_pd(g[0] + r + 4, a01);
    }
    for (int r = d8; r < d; ++r) {
      for (int t = 0; t < n; ++t) {
        double acc = 0;
        for (int j = 0; j < d; ++j) acc = __builtin_fma(M[static_cast<long>(j) * d + r], w[t][j], acc);
        g[t][r] = acc;
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void rank1_avx2(double* M, int d, const double* x,
                                                     double alpha) {
  const int d4 = d & ~3;
  for (int j = 0; j < d; ++j) {
    const double s = alpha * x[j];
    const __m256d sv = _mm256_set1_pd(s);
    double* col = M + static_cast<long>(j) * d;
    int r = 0;
    for (; r < d4; r += 4) {
      _mm256_storeu_pd(col + r, _mm256_fmadd_pd(sv, _mm256_loadu_pd(x + r), _mm256_loadu_pd(col + r)));
    }
    for (; r < d; ++r) col[r] = __builtin_fma(s, x[r], col[r]);
  }
}

__attribute__((target("avx2,fma"))) double dot_avx2(const double* a, const double* b, int d) {
  const int d4 = d & ~3;
  __m256d acc = _mm256_setzero_pd();
  int i = 0;
  for (; i < d4; i += 4) acc = _mm256_fmadd_pd(_mm256_loadu_pd(a + i), _mm256_loadu_pd(b + i), acc);
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, acc);
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < d; ++i) s = __builtin_fma(a[i], b[i], s);
  return s;
}

struct Table {
  void (*multiply)(const double*, int, const double*, int, double*);
  void (*rank1)(double*, int, const double*, double);
  double (*dot)(const double*, const double*, int);
};

Table choose() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {multiply_avx2, rank1_avx2, dot_avx2};
  }
  return {multiply_portable, rank1_portable, dot_portable};
}

const Table& table() {
  static const Table t = choose();
  return t;
}

}  // namespace

void multiply(const double* M, int d, const double* W, int k, double* G) {
  table().multiply(M, d, W, k, G);
}
void rank1_update(double* M, int d, const double* x, double alpha) { table().rank1(M, d, x, alpha); }
double dot(const double* a, const double* b, int d) { return table().dot(a, b, d); }

}  // namespace keyart::engine::kernels
