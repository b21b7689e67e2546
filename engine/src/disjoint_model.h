// Internal: disjoint linear models (Li et al. 2010, Algorithm 1): one ridge
// regression per variant over the layout's slots (one shared dictionary),
// A_a^-1 kept by Sherman-Morrison with periodic refactoring (RidgeBlock).
// A variant never updated uses the prior (A = lambda I, theta = 0) without
// storing anything. Memory per updated variant: 2 d^2 + d doubles.
#pragma once

#include <string>
#include <unordered_map>

#include "keyart/engine/binary_io.h"
#include "keyart/engine/feature_layout.h"
#include "keyart/engine/policy.h"
#include "ridge_block.h"
#include "slot_dictionary.h"
#include "sparse_slots.h"

namespace keyart::engine {

class DisjointLinearModel {
 public:
  DisjointLinearModel(int dim, double lambda, int refactor_every);

  // mean[i] and var[i] (unit noise scale) of each candidate's reward.
  void predict(const ChoiceInput& input, double* mean, double* var) const;
  void update(const Observation& shown, double reward);

  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);

  const RidgeBlock* arm(FeatureKey key) const;
  int slot(FeatureKey key) const { return dict_.find(key); }

 private:
  struct Arm {
    std::string id;
    RidgeBlock ridge;
  };
  int dim_;
  double lambda_;
  int refactor_every_;
  SlotDictionary dict_;
  RidgeBlock prior_;
  std::unordered_map<FeatureKey, Arm> arms_;
  Eigen::VectorXd z_, g_;
};

}  // namespace keyart::engine
