// The trainer: the one learner of a deployment whose serving nodes only
// decide and log. It follows the shared ledger, learns every decision the
// nodes committed exactly as a single node would have, and publishes the
// model for the nodes to pull (model_snapshots.h; a bundle written by
// engine::kWrittenByTrainer).
//
// What "exactly" means. The trainer reads the ledger in commit order (event
// writers commit one batch at a time, so ids grow with commit time) and
// learns as a fold over it: before each exposure it moves its clock to that
// exposure's time minus the lateness allowance (never backwards) and closes
// every wait window that ended by then; then it records the decision. A
// reward joins its pending decision when read (rewards are read before
// exposures in each step, so every reward read finds its exposure among the
// rows read); one read after its decision's window closed is too late, as on
// a single node. The fold depends only on the ledger's order, not on how
// it is cut into steps, so a trainer that followed the ledger live and one
// that read the whole of it at once end with byte-identical models, as long
// as every event is committed within the lateness allowance of the newest
// exposure (a node's flush interval is milliseconds; the default allowance
// is 10 s).
//
// Publishing and restart: publish() stores the model the nodes adopt
// (each learner without its pending decisions: small, so nodes load it
// quickly); checkpoint() stores every learner whole (pending decisions
// too), the ledger marks it learned to and the clock. open() resumes from
// the newest intact checkpoint (the constructor, unless told not to), so no
// event is learned twice or skipped; what was learned after it is learned
// again, identically.
//
// Ledger errors (the server away, a write refused) are thrown as
// ledger::LedgerError; a step that fails keeps what it learned before the
// error, and the next step carries on from there.
//
// Not thread-safe, except status(), which may be called from any thread
// (step() itself reads on the calling thread and learns on a second one).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "keyart/engine/learner.h"
#include "keyart/ledger/event_scan.h"
#include "keyart/ledger/ledger.h"

namespace keyart::training {

struct TrainerOptions {
  engine::LearnerOptions learner;  // reward definition and wait window of new learners
  int64_t lateness_ms = 10'000;    // the clock runs this far behind the newest exposure
  bool resume = true;              // start from the newest published model
};

struct TrainerStatus {
  ledger::LedgerMarks learned;  // every exposure and reward at or below is learned
  ledger::LedgerMarks head;     // the ledger's head at the last step
  int64_t clock_ms = 0;         // windows that end at or before it are closed
  int64_t published_version = 0;  // the newest model published (0: none yet)
  int64_t published_at_ms = 0;
  int64_t checkpoint_id = 0;       // the newest checkpoint (0: none yet), resumed from or written
  int64_t checkpoint_at_ms = 0;
  uint64_t exposures = 0;        // recorded for learning
  uint64_t skipped = 0;          // exposures no learner can replay (fallbacks, unknown variants)
  uint64_t rewards_joined = 0;   // applied to a pending decision
  uint64_t rewards_unjoined = 0; // read after their window closed, duplicates, unknown kinds
  uint64_t steps = 0;
  size_t learners = 0, pending = 0;
  // Events the ledger holds that the trainer has not learned yet.
  int64_t lag_events() const {
    return (head.last_exposure_id - learned.last_exposure_id) +
           (head.last_reward_id - learned.last_reward_id);
  }
};

class Trainer {
 public:
  // The ledger must be writable (publishing writes to it).
  Trainer(ledger::Ledger ledger, TrainerOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Learns what the ledger committed since the last step; returns how many
  // exposures and rewards it read.
  size_t step();

  // Stores the current model as a new version for the nodes; returns its
  // version (the model snapshot id).
  int64_t publish();
  // Stores the whole trainer state to resume from; returns its id.
  int64_t checkpoint();

  TrainerStatus status() const;

  // Each learner's policy state, by scope (to compare two models).
  std::map<std::string, std::string> policy_states() const;

 private:
  struct State;
  // Stores a bundle of every learner with the marks; sets id and at_ms.
  int64_t store(std::string_view writer, engine::Learner::SnapshotContents contents, int64_t& id,
                int64_t& at_ms);
  std::unique_ptr<State> state_;
  mutable std::mutex status_mu_;
  TrainerStatus status_;
};

}  // namespace keyart::training
