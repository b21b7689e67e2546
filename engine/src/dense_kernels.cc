#include "dense_kernels.h"

#include <immintrin.h>

namespace keyart::engine::kernels {

namespace {

template <typename Scalar>
void multiply_portable(const Scalar* M, int d, const double* W, int k, double* G) {
  for (int i = 0; i < k; ++i) {
    double* g = G + static_cast<long>(i) * d;
    const double* w = W + static_cast<long>(i) * d;
    for (int r = 0; r < d; ++r) g[r] = 0;
    for (int j = 0; j < d; ++j) {
      const double wj = w[j];
      const Scalar* col = M + static_cast<long>(j) * d;
      for (int r = 0; r < d; ++r) g[r] += static_cast<double>(col[r]) * wj;
    }
  }
}

void rank1_portable(double* M, int d, const double* x, double alpha, float* single) {
  for (int j = 0; j < d; ++j) {
    const double s = alpha * x[j];
    double* col = M + static_cast<long>(j) * d;
    for (int r = 0; r < d; ++r) col[r] += s * x[r];
    if (single) {
      float* out = single + static_cast<long>(j) * d;
      for (int r = 0; r < d; ++r) out[r] = static_cast<float>(col[r]);
    }
  }
}

double dot_portable(const double* a, const double* b, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

// AVX2 + FMA: G = M W for N (1..4) candidates at once. A strip of 4R rows
// times N candidates is accumulated over the columns of M; with P = 2 the
// even and odd columns go to separate accumulators. R and P are chosen so
// that every N keeps 6-8 independent FMA chains in flight (one or two
// candidates alone would otherwise wait on the FMA latency), and no lane
// computes a padding column. Rows past the last full strip are finished
// with scalar FMAs.
__attribute__((target("avx2,fma"), always_inline)) inline __m256d load4(const double* p) {
  return _mm256_loadu_pd(p);
}
__attribute__((target("avx2,fma"), always_inline)) inline __m256d load4(const float* p) {
  return _mm256_cvtps_pd(_mm_loadu_ps(p));
}

template <int N, int R, int P, typename Scalar>
__attribute__((target("avx2,fma"), always_inline)) inline void multiply_strips(
    const Scalar* M, int d, const double* const* w, double* const* g) {
  constexpr int rows = 4 * R;
  const int full = d - d % rows;
  const int jp = d - d % P;
  for (int r = 0; r < full; r += rows) {
    __m256d acc[P][N][R];
    for (int p = 0; p < P; ++p)
      for (int t = 0; t < N; ++t)
        for (int v = 0; v < R; ++v) acc[p][t][v] = _mm256_setzero_pd();
    const Scalar* col = M + r;
    int j = 0;
    for (; j < jp; j += P) {
      for (int p = 0; p < P; ++p) {
        const Scalar* c = col + static_cast<long>(j + p) * d;
        __m256d m[R];
        for (int v = 0; v < R; ++v) m[v] = load4(c + 4 * v);
        for (int t = 0; t < N; ++t) {
          const __m256d b = _mm256_broadcast_sd(w[t] + j + p);
          for (int v = 0; v < R; ++v) acc[p][t][v] = _mm256_fmadd_pd(m[v], b, acc[p][t][v]);
        }
      }
    }
    for (; j < d; ++j) {  // the odd column when P = 2 and d is odd
      const Scalar* c = col + static_cast<long>(j) * d;
      for (int t = 0; t < N; ++t) {
        const __m256d b = _mm256_broadcast_sd(w[t] + j);
        for (int v = 0; v < R; ++v)
          acc[0][t][v] = _mm256_fmadd_pd(load4(c + 4 * v), b, acc[0][t][v]);
      }
    }
    for (int t = 0; t < N; ++t) {
      for (int v = 0; v < R; ++v) {
        __m256d sum = acc[0][t][v];
        if constexpr (P == 2) sum = _mm256_add_pd(sum, acc[1][t][v]);
        _mm256_storeu_pd(g[t] + r + 4 * v, sum);
      }
    }
  }
  for (int r = full; r < d; ++r) {
    for (int t = 0; t < N; ++t) {
      double acc = 0;
      for (int j = 0; j < d; ++j) {
        acc = __builtin_fma(static_cast<double>(M[static_cast<long>(j) * d + r]), w[t][j], acc);
      }
      g[t][r] = acc;
    }
  }
}

template <typename Scalar>
__attribute__((target("avx2,fma"))) void multiply_avx2(const Scalar* M, int d, const double* W,
                                                        int k, double* G) {
  for (int t0 = 0; t0 < k; t0 += 4) {
    const int n = k - t0 < 4 ? k - t0 : 4;
    const double* w[4];
    double* g[4];
    for (int t = 0; t < n; ++t) {
      w[t] = W + static_cast<long>(t0 + t) * d;
      g[t] = G + static_cast<long>(t0 + t) * d;
    }
    switch (n) {
      case 1: multiply_strips<1, 4, 2>(M, d, w, g); break;
      case 2: multiply_strips<2, 2, 2>(M, d, w, g); break;
      case 3: multiply_strips<3, 2, 1>(M, d, w, g); break;
      default: multiply_strips<4, 2, 1>(M, d, w, g); break;
    }
  }
}

template <bool kSingle>
__attribute__((target("avx2,fma"), always_inline)) inline void rank1_columns(
    double* M, int d, const double* x, double alpha, float* single) {
  const int d4 = d & ~3;
  for (int j = 0; j < d; ++j) {
    const double s = alpha * x[j];
    const __m256d sv = _mm256_set1_pd(s);
    double* col = M + static_cast<long>(j) * d;
    float* out = kSingle ? single + static_cast<long>(j) * d : nullptr;
    int r = 0;
    for (; r < d4; r += 4) {
      const __m256d v = _mm256_fmadd_pd(sv, _mm256_loadu_pd(x + r), _mm256_loadu_pd(col + r));
      _mm256_storeu_pd(col + r, v);
      if constexpr (kSingle) _mm_storeu_ps(out + r, _mm256_cvtpd_ps(v));
    }
    for (; r < d; ++r) {
      col[r] = __builtin_fma(s, x[r], col[r]);
      if constexpr (kSingle) out[r] = static_cast<float>(col[r]);
    }
  }
}

__attribute__((target("avx2,fma"))) void rank1_avx2(double* M, int d, const double* x,
                                                     double alpha, float* single) {
  if (single) {
    rank1_columns<true>(M, d, x, alpha, single);
  } else {
    rank1_columns<false>(M, d, x, alpha, nullptr);
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
  void (*multiply_f32)(const float*, int, const double*, int, double*);
  void (*rank1)(double*, int, const double*, double, float*);
  double (*dot)(const double*, const double*, int);
};

Table choose() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {multiply_avx2<double>, multiply_avx2<float>, rank1_avx2, dot_avx2};
  }
  return {multiply_portable<double>, multiply_portable<float>, rank1_portable, dot_portable};
}

const Table& table() {
  static const Table t = choose();
  return t;
}

}  // namespace

void multiply(const double* M, int d, const double* W, int k, double* G) {
  table().multiply(M, d, W, k, G);
}
void multiply(const float* M, int d, const double* W, int k, double* G) {
  table().multiply_f32(M, d, W, k, G);
}
void rank1_update(double* M, int d, const double* x, double alpha, float* single) {
  table().rank1(M, d, x, alpha, single);
}
double dot(const double* a, const double* b, int d) { return table().dot(a, b, d); }

}  // namespace keyart::engine::kernels
