// Internal: the few dense kernels the linear models spend their time in,
// on column-major d x d matrices. Each has an AVX2+FMA version chosen at run
// time on CPUs that have it, and a portable one; both are deterministic on a
// given machine (they may differ from each other in the last bits).
#pragma once

namespace keyart::engine::kernels {

// G[:, i] = M * W[:, i] for i < k (W and G are d x k, column-major).
void multiply(const double* M, int d, const double* W, int k, double* G);
// The same with M stored in single precision (half the bytes to read; each
// entry is widened and the products are summed in double).
void multiply(const float* M, int d, const double* W, int k, double* G);
// M += alpha * x x^T; when `single` is given, it receives M's new values
// rounded to float (the same layout).
void rank1_update(double* M, int d, const double* x, double alpha, float* single = nullptr);
double dot(const double* a, const double* b, int d);

}  // namespace keyart::engine::kernels
