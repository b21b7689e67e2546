#include "ridge_block.h"

#include "dense_kernels.h"

namespace keyart::engine {

void RidgeBlock::init(int d, double lambda) {
  S = Eigen::MatrixXd::Identity(d, d) * lambda;
  Sinv = Eigen::MatrixXd::Identity(d, d) / lambda;
  b = Eigen::VectorXd::Zero(d);
  theta = Eigen::VectorXd::Zero(d);
  since_refactor = 0;
  if (Sinv_single.size()) keep_single();
}

void RidgeBlock::add(const Eigen::VectorXd& w, double c, double y, int refactor_every,
                     Eigen::VectorXd& g) {
  const int d = dim();
  kernels::rank1_update(S.data(), d, w.data(), c);
  b.noalias() += (c * y) * w;
  if (++since_refactor >= static_cast<uint32_t>(refactor_every)) {
    refactor();
    return;
  }
  // Sherman-Morrison: (S + c w w^T)^-1 = S^-1 - c g g^T / (1 + c w^T g), g = S^-1 w.
  kernels::multiply(Sinv.data(), d, w.data(), 1, g.data());
  const double gw = kernels::dot(w.data(), g.data(), d);
  const double gb = kernels::dot(g.data(), b.data(), d);  // b already includes c y w
  const double gamma = c / (1 + c * gw);
  kernels::rank1_update(Sinv.data(), d, g.data(), -gamma,
                        Sinv_single.size() ? Sinv_single.data() : nullptr);
  // theta' = Sinv' b' = theta_old_b' - gamma g (g . b'), where theta_old_b' =
  // Sinv b' = theta + c y g: O(d) instead of a d^2 product.
  theta.noalias() += (c * y - gamma * gb) * g;
}

void RidgeBlock::solve_theta() {
  kernels::multiply(Sinv.data(), dim(), b.data(), 1, theta.data());
}

void RidgeBlock::refactor() {
  Eigen::LLT<Eigen::MatrixXd> llt(S);
  Sinv = llt.solve(Eigen::MatrixXd::Identity(S.rows(), S.cols()));
  Sinv = 0.5 * (Sinv + Sinv.transpose()).eval();
  if (Sinv_single.size()) keep_single();
  solve_theta();
  since_refactor = 0;
}

void RidgeBlock::save(BinaryWriter& out) const {
  const int d = dim();
  out.u32(static_cast<uint32_t>(d));
  out.u32(since_refactor);
  out.f64s(S.data(), static_cast<size_t>(d) * d);
  out.f64s(Sinv.data(), static_cast<size_t>(d) * d);
  out.f64s(b.data(), d);
  out.f64s(theta.data(), d);  // kept as updated (incrementally), for exact continuation
}

void RidgeBlock::load(BinaryReader& in, int d) {
  if (static_cast<int>(in.u32()) != d) throw SnapshotError("snapshot corrupt: block dimension");
  since_refactor = in.u32();
  S.resize(d, d);
  Sinv.resize(d, d);
  b.resize(d);
  in.f64s(S.data(), static_cast<size_t>(d) * d);
  in.f64s(Sinv.data(), static_cast<size_t>(d) * d);
  in.f64s(b.data(), d);
  theta.resize(d);
  in.f64s(theta.data(), d);
  if (Sinv_single.size()) keep_single();
}

}  // namespace keyart::engine
