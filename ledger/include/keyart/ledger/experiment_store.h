// Experiments and their arms in the ledger. An experiment is created as a
// draft with all its arms in one transaction (ids valid and unique, shares
// > 0 summing to 1 within 1e-9, exactly one control arm; the schema's
// triggers enforce the same), then started and stopped; status only moves
// draft -> running -> stopped. Two running experiments may not cover the
// same title. Policy specs are stored as given: the caller validates them
// with the engine's parser before creating.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"

namespace keyart::ledger {

struct Arm {
  std::string arm_id;
  std::string policy_spec;
  double traffic_share = 0;
  bool is_control = false;
  int position = 0;  // order for assignment; set by create_experiment
};

struct Experiment {
  std::string experiment_id;
  std::string name;
  std::string description;
  std::string status = "draft";  // draft | running | stopped
  std::string source = "live";   // live | import | sim
  std::string salt;              // random when empty at creation
  std::string metric = "click";  // the primary reward kind
  // Reward kinds its report also checks, "KIND" or "KIND:ANALYSIS"
  // (analysis/experiment_report.h's parse_guardrail reads them).
  std::vector<std::string> guardrails;
  int64_t created_at = 0;
  std::optional<int64_t> started_at, stopped_at;
  std::vector<std::string> title_ids;  // empty: every title
  std::vector<Arm> arms;               // in position order
};

// Creates a draft. When no arm is marked control, the first arm is.
void create_experiment(Ledger& ledger, const Experiment& experiment);
void start_experiment(Ledger& ledger, std::string_view experiment_id, int64_t at_ms = 0);
void stop_experiment(Ledger& ledger, std::string_view experiment_id, int64_t at_ms = 0);

std::optional<Experiment> find_experiment(Ledger& ledger, std::string_view experiment_id);
Experiment get_experiment(Ledger& ledger, std::string_view experiment_id);  // kNotFound
std::vector<Experiment> list_experiments(Ledger& ledger);
// The running experiment that covers the title, if any.
std::optional<Experiment> running_experiment_for_title(Ledger& ledger,
                                                       std::string_view title_id);

// Checks an experiment definition without touching the ledger (ids, shares,
// control); throws LedgerError kInvalid naming the problem.
void validate_experiment_definition(const Experiment& experiment);

}  // namespace keyart::ledger
