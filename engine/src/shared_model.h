// Internal: the shared linear model behind hybrid LinUCB and linear Thompson
// sampling. One ridge block per model block (style) over the layout's slots,
// plus optionally a per-variant intercept (the arm-specific part of Li et
// al. 2010, Algorithm 2, with x = [1]). With the intercept, block state is
// the Schur complement of Algorithm 2 (its A0, b0); each reward changes it by
// one rank-one term, w = z - B_a/A_a, weight 1/(1 + 1/A_a), target
// r - b_a/A_a, which is algebraically the same as Algorithm 2's update
// (tested against a literal implementation).
//
// With single_precision_variance, predict() computes the variance term
// w^T S^-1 w from a float copy of each block's S^-1 (kept in step with
// every update): deciding reads half the bytes, which is what a decision
// among candidates of several blocks is bound by. The model itself (S, S^-1,
// theta, the arms) stays in double; the variance then carries a relative
// error of about 1e-7 instead of 1e-15, and the means are unchanged.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "keyart/engine/binary_io.h"
#include "keyart/engine/feature_layout.h"
#include "keyart/engine/policy.h"
#include "ridge_block.h"
#include "slot_dictionary.h"
#include "sparse_slots.h"

namespace keyart::engine {

class SharedLinearModel {
 public:
  SharedLinearModel(int dim, double lambda, bool arm_intercept, double arm_lambda,
                    int refactor_every, bool single_precision_variance = false);

  // mean[i] = predicted reward; cov (K x K, row-major) = posterior covariance
  // of the K predictions (unit noise scale). With full=false only the
  // diagonal is filled.
  void predict(const ChoiceInput& input, Workspace& ws, double* mean, double* cov,
               bool full) const;
  void update(const Observation& shown, double reward);

  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);

  // For tests: the block's state (nullptr if never updated) and the slot of a key.
  const RidgeBlock* block(FeatureKey key) const;
  int slot(FeatureKey key) const { return dict_.find(key); }
  struct Arm {
    std::string id;
    FeatureKey block = 0;
    double A = 0;  // arm_lambda + number of observations
    Eigen::VectorXd B;
    double b = 0;
  };
  const Arm* arm(FeatureKey key) const;

 private:
  void map_common(const ChoiceInput& input) const;
  int dim_;
  double lambda_;
  bool arm_intercept_;
  double arm_lambda_;  // prior precision of the per-variant intercept
  int refactor_every_;
  bool single_;
  SlotDictionary dict_;
  RidgeBlock prior_;
  std::unordered_map<FeatureKey, RidgeBlock> blocks_;
  // Per-variant state in a vector, found through a flat open-addressing
  // index (key -> position): one cache miss per lookup on the hot path.
  Arm* find_arm(FeatureKey key);
  const Arm* find_arm(FeatureKey key) const;
  Arm& add_arm(FeatureKey key);
  std::vector<Arm> arms_;
  std::vector<FeatureKey> arm_keys_;     // by position
  std::vector<std::pair<FeatureKey, uint32_t>> arm_index_;  // key 0 = empty
  Eigen::VectorXd z_, w_, g_;  // update scratch
};

}  // namespace keyart::engine
