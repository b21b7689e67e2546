// A simulated A/B test written into a ledger exactly as `keyart serve`
// would have logged it, so the analysts' reports and off-policy evaluation
// run on it unchanged.
//
// SimLedger creates (and at finish() stops) a "sim" experiment whose arms
// are the simulated policies, routes each impression's unit (the workload's
// user, as "u<id>") to an arm by the ledger's sticky hash assignment and
// traffic shares, and, as sim::SimSink, records every decision as an
// exposure (event id, time, arm, policy, model version, propensity, context
// and candidates JSON, device/country/hour) and every click (and play and
// completion, when the workload has them) as a reward.
// Titles (with their genres and cast from the workload's title features)
// and variants (kind "external", the workload's artwork features as their
// arm features) are added on first sight. Rows are committed in batches,
// each batch with its new catalogue entries in one transaction; a row the
// ledger refuses is an error (the simulation never writes a partial story).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "keyart/sim/simulator.h"
#include "keyart/ledger/ledger.h"

namespace keyart::sim {

struct SimArm {
  std::string arm_id;
  std::string policy_spec;  // canonical engine spec
  double traffic_share = 0;
};

struct SimLedgerOptions {
  std::string experiment_id;
  std::string name;
  std::vector<SimArm> arms;   // the first is the control
  std::string salt = "sim";   // assignment salt (fixed: runs are repeatable)
  int64_t start_ms = 0;       // time of the first impression
  size_t batch_size = 20000;  // exposures per transaction
};

struct SimLedgerStats {
  uint64_t exposures = 0, rewards = 0, titles = 0, variants = 0;
};

class SimLedger final : public sim::SimSink {
 public:
  // Creates and starts the experiment; throws ledger::LedgerError when
  // the id is taken or the definition is invalid.
  SimLedger(ledger::Ledger& ledger, SimLedgerOptions options);
  ~SimLedger() override;

  // The arm index for an impression (plug into SimOptions::route).
  size_t route(const sim::Impression& impression) const;

  void on_decision(size_t arm, const sim::Impression& impression,
                   const engine::Request& request, const engine::Decision& decision,
                   int64_t time_ms) override;
  void on_reward(size_t arm, const engine::EventId& event_id, std::string_view kind,
                 double value, int64_t time_ms) override;

  // Commits what is buffered and stops the experiment at end_ms.
  SimLedgerStats finish(int64_t end_ms);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace keyart::sim
