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

// AVX2 + FMA. M is symmetric, so row r of M W is column r of M dotted with
// each w: M is read sequentially, up to four candidates per pass.
__attribute__((target("avx2,fma"))) void multiply_avx2(const double* M, int d, const double* W,
                                                        int k, double* G) {
  const int d4 = d & ~3;
  for (int i0 = 0; i0 < k; i0 += 4) {
    const int n = k - i0 < 4 ? k - i0 : 4;
    const double* w[4];
    for (int t = 0; t < 4; ++t) w[t] = W + static_cast<long>(i0 + (t < n ? t : 0)) * d;
    for (int r = 0; r < d; ++r) {
      const double* col = M + static_cast<long>(r) * d;
      __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
      int j = 0;
      for (; j < d4; j += 4) {
        const __m256d m = _mm256_loadu_pd(col + j);
        a0 = _mm256_fmadd_pd(m, _mm256_loadu_pd(w[0] + j), a0);
        a1 = _mm256_fmadd_pd(m, _mm256_loadu_pd(w[1] + j), a1);
        a2 = _mm256_fmadd_pd(m, _mm256_loadu_pd(w[2] + j), a2);
        a3 = _mm256_fmadd_pd(m, _mm256_loadu_pd(w[3] + j), a3);
      }
      alignas(32) double l[4][4];
      _mm256_store_pd(l[0], a0);
      _mm256_store_pd(l[1], a1);
      _mm256_store_pd(l[2], a2);
      _mm256_store_pd(l[3], a3);
      for (int t = 0; t < n; ++t) {
        double s = (l[t][0] + l[t][1]) + (l[t][2] + l[t][3]);
        for (int jj = j; jj < d; ++jj) s = __builtin_fma(col[jj], w[t][jj], s);
        G[static_cast<long>(i0 + t) * d + r] = s;
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
