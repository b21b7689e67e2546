#include "keyart/ledger/learner_scope.h"

namespace keyart::ledger {

std::string arm_scope(std::string_view experiment_id, std::string_view arm_id) {
  std::string scope = "exp:";
  scope.append(experiment_id).append("/").append(arm_id);
  return scope;
}

std::string default_scope(std::string_view canonical_spec) {
  return "default:" + std::string(canonical_spec);
}

std::optional<LearnerScope> learner_scope_of(const Exposure& row) {
  if (row.policy == kFallbackPolicy) return std::nullopt;
  if (row.experiment_id && row.arm_id) {
    return LearnerScope{arm_scope(*row.experiment_id, *row.arm_id), row.policy};
  }
  return LearnerScope{default_scope(row.policy), row.policy};
}

}  // namespace keyart::ledger
