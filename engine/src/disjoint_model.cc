#include "disjoint_model.h"

#include <algorithm>
#include <vector>

namespace keyart::engine {

namespace {
thread_local MappedFeatures t_common, t_own;
}

DisjointLinearModel::DisjointLinearModel(int dim, double lambda, int refactor_every)
    : dim_(dim), lambda_(lambda), refactor_every_(refactor_every), dict_(dim) {
  prior_.init(dim, lambda);
  z_.resize(dim);
  g_.resize(dim);
}

const RidgeBlock* DisjointLinearModel::arm(FeatureKey key) const {
  auto it = arms_.find(key);
  return it == arms_.end() ? nullptr : &it->second.ridge;
}

void DisjointLinearModel::predict(const ChoiceInput& input, double* mean, double* var) const {
  MappedFeatures& common = t_common;
  MappedFeatures& own = t_own;
  common.clear();
  common.add(dict_, input.common);
  const double fresh_common = fresh_dot(common.fresh, common.fresh) / lambda_;
  for (size_t i = 0; i < input.candidates.size(); ++i) {
    const CandidateVector& c = input.candidates[i];
    own.clear();
    own.add(dict_, c.own);
    own.known.insert(own.known.end(), common.known.begin(), common.known.end());
    const RidgeBlock* r = arm(c.variant->id_key);
    if (!r) r = &prior_;
    double m = 0, q = 0;
    const double* sinv = r->Sinv.data();
    const size_t n = own.known.size();
    for (size_t x = 0; x < n; ++x) {
      const SlotValue a = own.known[x];
      m += a.value * r->theta[a.slot];
      const double* col = sinv + static_cast<size_t>(a.slot) * dim_;
      double row = 0;
      for (size_t y = 0; y < x; ++y) row += col[own.known[y].slot] * own.known[y].value;
      q += a.value * (2 * row + col[a.slot] * a.value);
    }
    mean[i] = m;
    var[i] = q + fresh_common +
             (2 * fresh_dot(common.fresh, own.fresh) + fresh_dot(own.fresh, own.fresh)) / lambda_;
  }
}

void DisjointLinearModel::update(const Observation& shown, double reward) {
  auto [it, created] = arms_.try_emplace(shown.variant_key);
  if (created) {
    it->second.id = std::string(shown.variant_id);
    it->second.ridge.init(dim_, lambda_);
  }
  z_.setZero();
  for (const Feature& f : shown.common) z_[dict_.slot_for_update(f.key)] += f.value;
  for (const Feature& f : shown.own) z_[dict_.slot_for_update(f.key)] += f.value;
  it->second.ridge.add(z_, 1.0, reward, refactor_every_, g_);
}

void DisjointLinearModel::save(BinaryWriter& out) const {
  dict_.save(out);
  std::vector<FeatureKey> keys;
  for (const auto& [k, v] : arms_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  out.u64(keys.size());
  for (FeatureKey k : keys) {
    out.u64(k);
    out.str(arms_.at(k).id);
    arms_.at(k).ridge.save(out);
  }
}

void DisjointLinearModel::load(BinaryReader& in) {
  dict_.load(in);
  arms_.clear();
  uint64_t n = in.count(24);
  for (uint64_t i = 0; i < n; ++i) {
    FeatureKey k = in.u64();
    Arm& a = arms_[k];
    a.id = in.str();
    a.ridge.load(in, dim_);
  }
}

}  // namespace keyart::engine
