#include "shared_model.h"

#include <algorithm>

#include "dense_kernels.h"

namespace keyart::engine {

namespace {
thread_local MappedFeatures t_common;
thread_local std::vector<MappedFeatures> t_own;
thread_local std::vector<const RidgeBlock*> t_blocks;
thread_local std::vector<double> t_gather;
thread_local std::vector<const SharedLinearModel::Arm*> t_arms;
}  // namespace

SharedLinearModel::SharedLinearModel(int dim, double lambda, bool arm_intercept,
                                     double arm_lambda, int refactor_every,
                                     bool single_precision_variance)
    : dim_(dim),
      lambda_(lambda),
      arm_intercept_(arm_intercept),
      arm_lambda_(arm_lambda),
      refactor_every_(refactor_every),
      single_(single_precision_variance),
      dict_(dim) {
  prior_.init(dim, lambda);
  if (single_) prior_.keep_single();
  z_.resize(dim);
  w_.resize(dim);
  g_.resize(dim);
}

const RidgeBlock* SharedLinearModel::block(FeatureKey key) const {
  auto it = blocks_.find(key);
  return it == blocks_.end() ? nullptr : &it->second;
}

const SharedLinearModel::Arm* SharedLinearModel::arm(FeatureKey key) const { return find_arm(key); }

const SharedLinearModel::Arm* SharedLinearModel::find_arm(FeatureKey key) const {
  if (arm_index_.empty()) return nullptr;
  key = key ? key : 1;
  const size_t mask = arm_index_.size() - 1;
  for (size_t i = mix_key(key) & mask;; i = (i + 1) & mask) {
    if (arm_index_[i].first == key) return &arms_[arm_index_[i].second];
    if (arm_index_[i].first == 0) return nullptr;
  }
}

SharedLinearModel::Arm* SharedLinearModel::find_arm(FeatureKey key) {
  return const_cast<Arm*>(static_cast<const SharedLinearModel*>(this)->find_arm(key));
}

SharedLinearModel::Arm& SharedLinearModel::add_arm(FeatureKey key) {
  key = key ? key : 1;
  arms_.emplace_back();
  arm_keys_.push_back(key);
  if (arms_.size() * 2 > arm_index_.size()) {
    arm_index_.assign(std::max<size_t>(1024, arm_index_.size() * 2), {0, 0});
    for (uint32_t n = 0; n < arm_keys_.size(); ++n) {
      const size_t mask = arm_index_.size() - 1;
      size_t i = mix_key(arm_keys_[n]) & mask;
      while (arm_index_[i].first != 0) i = (i + 1) & mask;
      arm_index_[i] = {arm_keys_[n], n};
    }
  } else {
    const size_t mask = arm_index_.size() - 1;
    size_t i = mix_key(key) & mask;
    while (arm_index_[i].first != 0) i = (i + 1) & mask;
    arm_index_[i] = {key, static_cast<uint32_t>(arms_.size() - 1)};
  }
  return arms_.back();
}

void SharedLinearModel::predict(const ChoiceInput& input, Workspace& ws, double* mean,
                                double* cov, bool full) const {
  const int k = static_cast<int>(input.candidates.size());
  const int d = dim_;
  MappedFeatures& common = t_common;
  common.clear();
  common.add(dict_, input.common);
  if (t_own.size() < static_cast<size_t>(k)) t_own.resize(k);
  const double fresh_common = fresh_dot(common.fresh, common.fresh) / lambda_;

  // Per candidate: its block, arm terms, and the dense w = z - u in ws.a (d x k).
  ws.a.resize(static_cast<size_t>(d) * k);
  ws.b.resize(static_cast<size_t>(d) * k);
  ws.index.resize(k);
  if (t_blocks.size() < static_cast<size_t>(k)) t_blocks.resize(k);
  const RidgeBlock** blocks = t_blocks.data();
  ws.d.resize(k);  // arm variance term
  ws.e.resize(k);  // arm mean term
  if (t_arms.size() < static_cast<size_t>(k)) t_arms.resize(k);
  for (int i = 0; i < k; ++i) {  // look up first, so the arms' memory loads overlap
    const Arm* found = arm_intercept_ ? find_arm(input.candidates[i].variant->id_key) : nullptr;
    if (found && found->block != input.candidates[i].block) found = nullptr;
    t_arms[i] = found;
    if (found) {
      for (int j = 0; j < d; j += 8) __builtin_prefetch(found->B.data() + j);
    }
  }
  for (int i = 0; i < k; ++i) {
    const CandidateVector& c = input.candidates[i];
    MappedFeatures& own = t_own[i];
    own.clear();
    own.add(dict_, c.own);
    const RidgeBlock* blk = block(c.block);
    if (!blk) blk = &prior_;
    blocks[i] = blk;
    Eigen::Map<Eigen::VectorXd> w(ws.a.data() + static_cast<size_t>(i) * d, d);
    double z_theta = 0;
    for (const SlotValue& s : common.known) z_theta += s.value * blk->theta[s.slot];
    for (const SlotValue& s : own.known) z_theta += s.value * blk->theta[s.slot];
    const Arm* a = t_arms[i];
    if (a) {
      w = -a->B / a->A;
      ws.d[i] = 1 / a->A;
      ws.e[i] = (a->b - a->B.dot(blk->theta)) / a->A;
    } else {
      w.setZero();
      ws.d[i] = arm_intercept_ ? 1 / arm_lambda_ : 0.0;
      ws.e[i] = 0;
    }
    for (const SlotValue& s : common.known) w[s.slot] += s.value;
    for (const SlotValue& s : own.known) w[s.slot] += s.value;
    mean[i] = z_theta + ws.e[i];
  }
  // g_i = Sinv_block w_i, one pass over each block's matrix for all its candidates.
  ws.index.clear();
  for (int i = 0; i < k; ++i) ws.index.push_back(i);
  // Group by block (insertion sort: K is small and it does not allocate).
  for (int i = 1; i < k; ++i) {
    for (int j = i; j > 0 && input.candidates[ws.index[j]].block <
                                 input.candidates[ws.index[j - 1]].block;
         --j) {
      std::swap(ws.index[j], ws.index[j - 1]);
    }
  }
  t_gather.resize(static_cast<size_t>(d) * k * 2);
  for (int s = 0; s < k;) {
    int e = s + 1;
    while (e < k && input.candidates[ws.index[e]].block == input.candidates[ws.index[s]].block) ++e;
    double* W = t_gather.data();
    double* G = W + static_cast<size_t>(d) * k;
    for (int t = s; t < e; ++t) {
      std::copy_n(ws.a.data() + static_cast<size_t>(ws.index[t]) * d, d, W + static_cast<size_t>(t - s) * d);
    }
    const RidgeBlock* blk = blocks[ws.index[s]];
    if (single_ && !full) {
      kernels::multiply(blk->Sinv_single.data(), d, W, e - s, G);
    } else {
      kernels::multiply(blk->Sinv.data(), d, W, e - s, G);
    }
    for (int t = s; t < e; ++t) {
      std::copy_n(G + static_cast<size_t>(t - s) * d, d, ws.b.data() + static_cast<size_t>(ws.index[t]) * d);
    }
    s = e;
  }
  for (int i = 0; i < k; ++i) {
    Eigen::Map<const Eigen::VectorXd> wi(ws.a.data() + static_cast<size_t>(i) * d, d);
    Eigen::Map<const Eigen::VectorXd> gi(ws.b.data() + static_cast<size_t>(i) * d, d);
    const auto& own_i = t_own[i].fresh;
    cov[i * k + i] = kernels::dot(wi.data(), gi.data(), d) + ws.d[i] + fresh_common +
                     (2 * fresh_dot(common.fresh, own_i) + fresh_dot(own_i, own_i)) / lambda_;
    if (!full) continue;
    for (int j = 0; j < i; ++j) {
      double v = 0;
      if (input.candidates[j].block == input.candidates[i].block) {
        Eigen::Map<const Eigen::VectorXd> gj(ws.b.data() + static_cast<size_t>(j) * d, d);
        const auto& own_j = t_own[j].fresh;
        v = kernels::dot(wi.data(), gj.data(), d) + fresh_common +
            (fresh_dot(common.fresh, own_i) + fresh_dot(common.fresh, own_j) +
             fresh_dot(own_i, own_j)) /
                lambda_;
        if (arm_intercept_ && input.candidates[i].variant->id_key ==
                                  input.candidates[j].variant->id_key) {
          v += ws.d[i];
        }
      }
      cov[i * k + j] = cov[j * k + i] = v;
    }
  }
}

void SharedLinearModel::update(const Observation& shown, double reward) {
  auto [it, created] = blocks_.try_emplace(shown.block);
  RidgeBlock& blk = it->second;
  if (created) {
    blk.init(dim_, lambda_);
    if (single_) blk.keep_single();
  }
  z_.setZero();
  for (const Feature& f : shown.common) z_[dict_.slot_for_update(f.key)] += f.value;
  for (const Feature& f : shown.own) z_[dict_.slot_for_update(f.key)] += f.value;
  if (!arm_intercept_) {
    blk.add(z_, 1.0, reward, refactor_every_, g_);
    return;
  }
  Arm* existing = find_arm(shown.variant_key);
  const bool arm_created = existing == nullptr;
  Arm& a = arm_created ? add_arm(shown.variant_key) : *existing;
  if (arm_created || a.block != shown.block) {
    if (!arm_created && a.A > arm_lambda_) {
      // The variant moved to another block (its style changed): fold its
      // intercept's share back into its old block (Algorithm 2's first
      // step), then start the intercept afresh.
      auto old = blocks_.find(a.block);
      if (old != blocks_.end()) old->second.add(a.B, 1.0 / a.A, a.b, refactor_every_, g_);
    }
    a.id = std::string(shown.variant_id);
    a.block = shown.block;
    a.A = arm_lambda_;
    a.B = Eigen::VectorXd::Zero(dim_);
    a.b = 0;
  }
  const double sigma2 = 1 + 1 / a.A;
  w_ = z_ - a.B / a.A;
  blk.add(w_, 1 / sigma2, reward - a.b / a.A, refactor_every_, g_);
  a.A += 1;
  a.B += z_;
  a.b += reward;
}

void SharedLinearModel::save(BinaryWriter& out) const {
  dict_.save(out);
  std::vector<FeatureKey> keys;
  for (const auto& [k, v] : blocks_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  out.u64(keys.size());
  for (FeatureKey k : keys) {
    out.u64(k);
    blocks_.at(k).save(out);
  }
  std::vector<uint32_t> order(arms_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return arm_keys_[x] < arm_keys_[y]; });
  out.u64(order.size());
  for (uint32_t i : order) {
    const Arm& a = arms_[i];
    const FeatureKey k = arm_keys_[i];
    out.u64(k);
    out.str(a.id);
    out.u64(a.block);
    out.f64(a.A);
    out.f64(a.b);
    out.f64s(a.B.data(), dim_);
  }
}

void SharedLinearModel::load(BinaryReader& in) {
  dict_.load(in);
  blocks_.clear();
  arms_.clear();
  arm_keys_.clear();
  arm_index_.clear();
  uint64_t n = in.count(16);
  for (uint64_t i = 0; i < n; ++i) {
    FeatureKey k = in.u64();
    blocks_[k].load(in, dim_);
    if (single_) blocks_[k].keep_single();
  }
  n = in.count(32);
  for (uint64_t i = 0; i < n; ++i) {
    FeatureKey k = in.u64();
    if (find_arm(k)) throw SnapshotError("snapshot corrupt: variant saved twice");
    Arm& a = add_arm(k);
    a.id = in.str();
    a.block = in.u64();
    a.A = in.f64();
    a.b = in.f64();
    a.B.resize(dim_);
    in.f64s(a.B.data(), dim_);
  }
}

}  // namespace keyart::engine
