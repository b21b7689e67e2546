// Internal: one ridge-regression state of dimension d, kept for O(d^2)
// rank-one updates. S = lambda*I + sum c w w^T and b = sum c w y are stored
// exactly as accumulated; S^-1 is updated by Sherman-Morrison and recomputed
// from S by a Cholesky factorization every `refactor_every` updates, so its
// drift from a direct solve stays below 1e-9 (tested); theta = S^-1 b.
#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "keyart/engine/binary_io.h"

namespace keyart::engine {

struct RidgeBlock {
  Eigen::MatrixXd S, Sinv;
  // Optional single-precision copy of Sinv for deciding (see
  // SharedLinearModel): empty unless keep_single() was called, then kept
  // equal to Sinv rounded to float by add() and refactor().
  Eigen::MatrixXf Sinv_single;
  Eigen::VectorXd b, theta;
  uint32_t since_refactor = 0;

  void init(int d, double lambda);
  int dim() const { return static_cast<int>(b.size()); }
  // S += c w w^T, b += c y w. `work` is scratch of size d.
  void add(const Eigen::VectorXd& w, double c, double y, int refactor_every, Eigen::VectorXd& work);
  void refactor();
  void solve_theta();  // theta = S^-1 b
  void keep_single() { Sinv_single = Sinv.cast<float>(); }

  void save(BinaryWriter& out) const;
  void load(BinaryReader& in, int d);
};

}  // namespace keyart::engine
