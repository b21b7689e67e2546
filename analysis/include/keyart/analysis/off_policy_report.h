// Off-policy evaluation over the ledger: the reward rate a target policy
// that was never deployed would have had, estimated from logged exposures
// and their propensities with IPS, self-normalised IPS and doubly robust
// estimators (stats/off_policy.h), each with a 95 % interval, the effective
// sample size, the smallest logged propensity and the clipping count.
//
// Rows are replayed in time order (an experiment's exposures by ts; with
// every exposure, in the order they were logged): the target policy gives
// its probabilities for the row's candidates, then learns from the logged
// outcome, so a learning policy is scored at each row by what it had learned
// from the rows before. A row is left out (and counted) when it has no
// candidates and its title has no variants, when the logged variant is not
// among its candidates, or when the policy cannot act on it (a fixed
// variant that is not a candidate). An exposure whose candidates list is
// empty ("[]") had every variant of its title eligible (imported logs).
//
// Reward model of the DR estimator: q(variant, device) = the mean logged
// reward of the cell, shrunk towards the variant's mean with 10
// pseudo-exposures, which is shrunk towards the overall mean with 10 more;
// cross-fitted: rows with an even exposure id are scored with the model
// fitted on odd ones and vice versa, so no row's own reward enters its q.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/ledger/ledger.h"
#include "keyart/analysis/stats/off_policy.h"

namespace keyart::analysis {

// One logged decision as a target policy sees it.
struct LoggedDecision {
  int64_t exposure_id = 0;
  int64_t ts = 0;
  std::string_view unit_id, title_id, variant_id, device, country, context_json;
  std::optional<int64_t> hour;
  std::span<const std::string> candidates;  // eligible variants, in logged order
  size_t logged_index = 0;                  // variant_id's position in candidates
  double propensity = 1;
  double reward = 0;
};

class TargetPolicy {
 public:
  virtual ~TargetPolicy() = default;
  virtual std::string describe() const = 0;
  // Fills out[i] = pi(candidates[i] | row), summing to 1. Returns false when
  // the policy cannot act on the row (it is then left out).
  virtual bool probabilities(const LoggedDecision& row, std::vector<double>& out) = 0;
  // Called after probabilities() with the logged outcome; learning policies
  // update here.
  virtual void learn(const LoggedDecision& row) { (void)row; }
  virtual bool learns() const { return false; }
};

// "uniform" (every candidate alike) or "fixed:VARIANT" (also
// "fixed:variant=VARIANT"; rows where VARIANT is not a candidate are left
// out). Throws ledger::LedgerError kInvalid naming the spec otherwise.
std::unique_ptr<TargetPolicy> make_builtin_target_policy(std::string_view spec);

// The built-in policies above, else any engine policy spec
// ("linucb:alpha=1.0", "beta-ts", "fixed:default", ...; see
// docs/ENGINE.md), replayed as a learning policy: at each row it builds the
// request from the exposure's context JSON ({"context": {...}, "user":
// {...}}), the title's genres and cast, and the candidates' arm features
// (variant_features' "arm_features"), gives its probabilities, then learns
// from the logged variant's reward at once (the live learner waits for the
// reward window; replay has every reward already). Throws ledger::LedgerError
// kInvalid for a spec neither knows.
std::unique_ptr<TargetPolicy> make_target_policy(ledger::Ledger& ledger, std::string_view spec,
                                                 uint64_t seed = 1);

struct OffPolicyOptions {
  std::optional<std::string> experiment_id;  // nullopt: every exposure
  std::optional<std::string> arm_id;         // only this arm's exposures
  std::string metric;                        // empty: the experiment's, else "click"
  std::optional<int64_t> since_ms, until_ms;
  double clip = std::numeric_limits<double>::infinity();
  double confidence = 0.95;
  // Which estimates the renderings show (all three are always computed).
  bool show_ips = true, show_snips = true, show_dr = true;
};

struct OffPolicyReport {
  std::string policy;
  std::string source;  // "experiment e1" or "all exposures"
  std::string metric;
  bool learning_policy = false;
  stats::OffPolicyEstimate ips, snips, doubly_robust;
  stats::OffPolicyDiagnostics diagnostics;
  stats::MeanEstimate logged;  // mean reward of the rows used, as logged
  stats::Interval logged_interval;
  int64_t rows_read = 0;
  int64_t rows_used = 0;
  int64_t left_out_no_candidates = 0;
  int64_t left_out_logged_not_candidate = 0;
  int64_t left_out_policy_cannot_act = 0;
  std::string reward_model;  // what DR's q is
  std::vector<std::string> warnings;
  double confidence = 0.95;
  bool show_ips = true, show_snips = true, show_dr = true;
};

OffPolicyReport evaluate_off_policy(ledger::Ledger& ledger, const OffPolicyOptions& options,
                                    TargetPolicy& policy);

// The report as text or JSON (undefined numbers as n/a / null).
std::string off_policy_text(const OffPolicyReport& report);
std::string off_policy_json(const OffPolicyReport& report);

}  // namespace keyart::analysis
