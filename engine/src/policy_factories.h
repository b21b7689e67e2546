// Internal: one factory per policy file, used by make_policy().
#pragma once

#include <memory>

#include "keyart/engine/policy.h"

namespace keyart::engine {

std::unique_ptr<Policy> make_fixed_policy(const PolicySpec& spec);
std::unique_ptr<Policy> make_uniform_policy(const PolicySpec& spec);
std::unique_ptr<Policy> make_epsilon_greedy_policy(const PolicySpec& spec);
std::unique_ptr<Policy> make_beta_thompson_policy(const PolicySpec& spec);
std::unique_ptr<Policy> make_linucb_policy(const PolicySpec& spec);
std::unique_ptr<Policy> make_hybrid_linucb_policy(const PolicySpec& spec);
std::unique_ptr<Policy> make_linear_thompson_policy(const PolicySpec& spec);

}  // namespace keyart::engine
