#include "keyart/training/trainer.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <vector>

#include "keyart/engine/batch_pipe.h"
#include "keyart/engine/event_id.h"
#include "keyart/engine/model_bundle.h"
#include "keyart/ledger/decision_log.h"
#include "keyart/ledger/events.h"
#include "keyart/ledger/learner_scope.h"
#include "keyart/ledger/model_snapshots.h"

namespace keyart::training {

namespace {

struct EventIdHash {
  size_t operator()(const engine::EventId& id) const {
    uint64_t h;
    std::memcpy(&h, id.data() + 8, sizeof h);  // the random half
    return static_cast<size_t>(h);
  }
};

// One exposure as the learning side needs it.
struct DecodedExposure {
  int64_t exposure_id = 0, ts = 0;
  std::optional<ledger::LearnerScope> scope;       // none: a fallback
  std::optional<engine::LoggedDecision> decision;  // none: cannot be replayed
};

using HeldRewards =
    std::unordered_map<engine::EventId, std::vector<ledger::StoredReward>, EventIdHash>;

}  // namespace

struct Trainer::State {
  ledger::Ledger ledger;
  TrainerOptions options;
  ledger::LedgerDecisionCatalog catalog{ledger};
  std::map<std::string, std::unique_ptr<engine::Learner>> learners;  // by scope
  std::unordered_map<std::string, std::string> refused;  // scope -> why no learner
  // The marks, clock, versions and counters (learners and pending are
  // counted when asked: status()).
  TrainerStatus now;

  State(ledger::Ledger l, TrainerOptions o) : ledger(std::move(l)), options(std::move(o)) {
    now.clock_ms = std::numeric_limits<int64_t>::min();
    // The trainer decides nothing: the churn limit is the nodes' (each
    // rebuilds its own from the ledger). Its learners keep none, new or
    // resumed (resume()), so neither its memory nor what it stores holds a
    // key computed from a unit id.
    options.learner.sticky_ms = 0;
  }

  engine::Learner* learner_for(const ledger::LearnerScope& scope) {
    auto it = learners.find(scope.scope);
    if (it != learners.end()) return it->second.get();
    if (refused.count(scope.scope)) return nullptr;
    try {
      auto learner = std::make_unique<engine::Learner>(scope.spec, options.learner);
      return learners.emplace(scope.scope, std::move(learner)).first->second.get();
    } catch (const std::exception& e) {
      refused.emplace(scope.scope, e.what());
      return nullptr;
    }
  }

  void advance_clock(int64_t ts) {
    const int64_t to = ts - options.lateness_ms;
    if (to <= now.clock_ms) return;
    now.clock_ms = to;
    for (auto& [scope, learner] : learners) learner->expire(now.clock_ms);
  }

  // Applies a reward to whichever learner holds its decision; false when
  // none knows the event (its decision may not be recorded yet).
  bool join(const engine::EventId& id, const ledger::StoredReward& r) {
    for (auto& [scope, learner] : learners) {
      engine::RewardStatus verdict = learner->reward(id, r.kind, r.value, r.ts);
      if (verdict == engine::RewardStatus::unknown_event) continue;
      (verdict == engine::RewardStatus::applied ? now.rewards_joined : now.rewards_unjoined) += 1;
      return true;
    }
    return false;
  }

  // The fold's step for one exposure (commit order): move the clock, record
  // the decision, join the rewards read before it was.
  void learn(const DecodedExposure& row, HeldRewards& held) {
    now.learned.last_exposure_id = row.exposure_id;
    advance_clock(row.ts);
    engine::Learner* learner = row.scope ? learner_for(*row.scope) : nullptr;
    if (!learner || !row.decision) {
      ++now.skipped;
      return;
    }
    learner->record(*row.decision);
    ++now.exposures;
    if (held.empty()) return;
    auto waiting = held.find(row.decision->event_id);
    if (waiting == held.end()) return;
    for (const ledger::StoredReward& r : waiting->second) {
      if (!join(row.decision->event_id, r)) ++now.rewards_unjoined;
    }
    held.erase(waiting);
  }

  bool resume() {
    std::map<std::string, std::unique_ptr<engine::Learner>> loaded;
    auto stored = ledger::newest_model_bundle(
        ledger, engine::kTrainerCheckpoint, [&](const engine::ModelBundle& bundle) {
      loaded.clear();
      try {
        for (const auto& part : bundle.learners) {
          auto learner = engine::Learner::from_snapshot(part.snapshot);
          learner->drop_churn_limit();  // a checkpoint of a trainer that kept one
          loaded.emplace(part.scope, std::move(learner));
        }
        return bundle.meta.at("clock_ms").is_number_integer();
      } catch (const std::exception&) {
        return false;
      }
    });
    if (!stored) return false;
    learners = std::move(loaded);
    now.learned = stored->record.marks;
    now.clock_ms = stored->bundle.meta.at("clock_ms").get<int64_t>();
    now.checkpoint_id = stored->record.snapshot_id;
    now.checkpoint_at_ms = stored->record.created_at;
    now.published_version = stored->bundle.meta.value("model_version", int64_t{0});
    return true;
  }

  TrainerStatus status() const {
    TrainerStatus st = now;
    st.learners = learners.size();
    for (const auto& [scope, learner] : learners) st.pending += learner->stats().pending;
    return st;
  }

  // A bundle of every learner, model-only or whole.
  engine::ModelBundle bundle(std::string_view writer,
                             engine::Learner::SnapshotContents contents) const {
    engine::ModelBundle b;
    b.meta = {{"writer", writer},
              {"clock_ms", now.clock_ms},
              {"lateness_ms", options.lateness_ms},
              {"model_version", now.published_version}};
    for (const auto& [scope, learner] : learners) {
      b.learners.push_back({scope, learner->spec(), learner->snapshot(contents)});
    }
    return b;
  }
};

Trainer::Trainer(ledger::Ledger ledger, TrainerOptions options)
    : state_(std::make_unique<State>(std::move(ledger), std::move(options))) {
  state_->ledger.require_writable();
  if (state_->options.lateness_ms < 0) {
    throw std::invalid_argument("the lateness allowance must be >= 0 ms");
  }
  if (state_->options.resume) state_->resume();
  status_ = state_->status();
}

Trainer::~Trainer() = default;

size_t Trainer::step() {
  State& s = *state_;
  // Rewards first: each one's exposure was committed before it, so the
  // exposures read next include every decision these rewards belong to.
  HeldRewards held;
  size_t read = 0;
  int64_t last_reward = s.now.learned.last_reward_id;
  ledger::for_each_reward(s.ledger, last_reward, [&](const ledger::StoredReward& r) {
    ++read;
    last_reward = r.reward_id;
    engine::EventId id;
    if (!engine::parse_event_id(r.event_id, id)) {
      ++s.now.rewards_unjoined;
      return;
    }
    if (!s.join(id, r)) held[id].push_back(r);
  });
  // Exposures: read and decoded on this thread, learned on a second one, in
  // batches, in order (reading and learning each take about half the time).
  engine::run_pipelined<DecodedExposure>(
      1024, 8,
      [&](engine::BatchPipe<DecodedExposure>& pipe) {
        ledger::for_each_exposure(
            s.ledger, {.after_exposure_id = s.now.learned.last_exposure_id},
            [&](const ledger::StoredExposure& row) {
              DecodedExposure& slot = pipe.next();
              slot.exposure_id = row.exposure_id;
              slot.ts = row.ts;
              slot.scope = ledger::learner_scope_of(row);
              std::string reason;
              slot.decision =
                  slot.scope ? ledger::logged_decision(row, s.catalog, reason) : std::nullopt;
            });
      },
      [&](DecodedExposure* rows, size_t n) {
        for (size_t i = 0; i < n; ++i) s.learn(rows[i], held);
        read += n;
      });
  for (const auto& [id, rewards] : held) s.now.rewards_unjoined += rewards.size();
  s.now.learned.last_reward_id = last_reward;
  ++s.now.steps;
  s.now.head = ledger::ledger_marks(s.ledger);
  std::lock_guard lock(status_mu_);
  status_ = s.status();
  return read;
}

int64_t Trainer::publish() {
  State& s = *state_;
  return store(engine::kWrittenByTrainer, engine::Learner::SnapshotContents::kModelOnly,
               s.now.published_version, s.now.published_at_ms);
}

int64_t Trainer::checkpoint() {
  State& s = *state_;
  return store(engine::kTrainerCheckpoint, engine::Learner::SnapshotContents::kWhole,
               s.now.checkpoint_id, s.now.checkpoint_at_ms);
}

int64_t Trainer::store(std::string_view writer, engine::Learner::SnapshotContents contents,
                       int64_t& id, int64_t& at_ms) {
  State& s = *state_;
  ledger::ModelSnapshotRecord record =
      ledger::store_model_bundle(s.ledger, s.bundle(writer, contents), s.now.learned);
  id = record.snapshot_id;
  at_ms = record.created_at;
  std::lock_guard lock(status_mu_);
  status_ = s.status();
  return record.snapshot_id;
}

TrainerStatus Trainer::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

std::map<std::string, std::string> Trainer::policy_states() const {
  std::map<std::string, std::string> states;
  for (const auto& [scope, learner] : state_->learners) states[scope] = learner->policy_state();
  return states;
}

}  // namespace keyart::training
