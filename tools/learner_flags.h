// The flags `keyart serve` and `keyart train` share: how a decision is
// learned (reward kinds and weights, wait window, churn limit, seed) and
// where to listen. One definition, so a node and its trainer cannot be
// configured with different spellings or defaults.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "cli.h"
#include "keyart/engine/learner.h"

namespace keyart::cli {

// Adds --wait-window, --rewards, --seed and, with churn_limit, --sticky
// (keyart serve's; the trainer decides nothing, so it has no churn limit).
void add_learner_flags(Subcommand& cmd, bool churn_limit);
// The learner options those flags give; throws UsageError for a bad value.
engine::LearnerOptions learner_flags(const Subcommand& cmd);

// "HOST:PORT" ([v6] allowed); throws UsageError.
std::pair<std::string, uint16_t> parse_listen(const std::string& text);

}  // namespace keyart::cli
