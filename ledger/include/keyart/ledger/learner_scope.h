// Which learner a logged decision belongs to. There is one learner per
// experiment arm, scope "exp:<experiment>/<arm>", and one per default
// policy, scope "default:<canonical spec>" (titles naming the same policy
// differently share it). The serving hook and the trainer both name
// learners this way, so a model one publishes is the model the other finds.
// A fallback exposure (the default artwork, because deciding failed) was
// decided by no learner and is learned by none.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "keyart/ledger/events.h"

namespace keyart::ledger {

// The policy name a fallback exposure is logged with.
inline constexpr std::string_view kFallbackPolicy = "fallback";

std::string arm_scope(std::string_view experiment_id, std::string_view arm_id);
std::string default_scope(std::string_view canonical_spec);

// The learner scope of a logged exposure and the spec its learner runs
// (the arm's or the default policy's, as logged); nullopt for a fallback.
struct LearnerScope {
  std::string scope;
  std::string spec;
};
std::optional<LearnerScope> learner_scope_of(const Exposure& row);

}  // namespace keyart::ledger
