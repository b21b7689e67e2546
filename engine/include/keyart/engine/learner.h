// The Learner: what the serving layer holds per policy instance (one per
// experiment arm). Thread-safe: decide() runs concurrently on many threads
// (shared lock on the model) while reward() and expire() update it
// (exclusive lock, held only to apply updates, a few dozen at a time, so a
// decision never waits for a whole expiry).
//
// Life of a decision:
//   decide()  builds the vectors (FeatureLayout), asks the policy for the
//             probabilities, samples, returns an event id, and parks the
//             shown candidate's features in the pending table until
//             time + wait_ms (its deadline).
//   reward()  adds a reward kind to a pending decision: "applied" once per
//             kind, "duplicate" after (idempotent), "late" at or after the
//             deadline, "unknown_event" for ids this learner has not pending.
//   expire()  finalizes every decision whose deadline has passed, in
//             (deadline, event id) order: the policy learns the combined
//             reward (RewardDefinition; 0 when nothing arrived).
// Deferred activation: a decision made with defer_activation (or one that
// receives the kDeferredMark "reward", as a replayed one does) is pending
// but not shown yet: rewards still join it, and it is learned only if
// kActivatedMark arrives before its deadline. One that never is activated is
// finalized without learning (stats().unactivated).
// The pending table is bounded (max_pending): when full, the decision with
// the earliest deadline is finalized early (stats().evicted counts them;
// a later reward for it is reported as unknown_event).
//
// Churn limiting (sticky_ms > 0): for that long after a unit was shown a
// variant of a title, decide() shows the same variant again while it is
// still a candidate. Such a decision is marked repeat, repeat_of = the
// original event id, and carries the ORIGINAL decision's probability vector
// and propensity (the randomization happened once, then); it still gets its
// own event id and its rewards are learned from like any other decision.
//
// Snapshots (save/load) hold the policy, the pending and sticky tables, the
// generator and counters: a loaded learner continues exactly. Files are
// written to a temporary name and renamed (atomic), and carry a format
// version and a checksum. replay() rebuilds a learner from logged decisions
// and rewards; it ends with the same policy state as the live learner.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "keyart/engine/event_id.h"
#include "keyart/engine/feature_layout.h"
#include "keyart/engine/named_features.h"
#include "keyart/engine/policy.h"
#include "keyart/engine/random.h"
#include "keyart/engine/request.h"
#include "keyart/engine/reward.h"
#include "keyart/engine/variant.h"

namespace keyart::engine {

struct LearnerOptions {
  RewardDefinition rewards;
  int64_t wait_ms = 15 * 60 * 1000;  // wait window after a decision (keyart serve's too)
  size_t max_pending = 1 << 20;      // bound of the pending table
  int64_t sticky_ms = 0;             // churn limit; 0 = off
  size_t max_sticky = 1 << 20;       // bound of the sticky table (earliest expiry evicted)
  uint64_t seed = 0;                 // for decisions without a seed; 0 = from the OS
  // decide() parks each decision for learning. A serving node whose model
  // comes from a trainer (adopt_model) sets it false: it decides and keeps
  // its churn-limit table, but never learns by itself. Not part of snapshots.
  bool keep_pending = true;
};

struct DecideOptions {
  int64_t now_ms = 0;
  std::optional<uint64_t> seed;  // explicit randomness for this decision
  bool want_scores = false;
  // Only what would be shown: no event id, nothing pending, the churn-limit
  // table and counters untouched (it is still honoured: a repeat shows).
  bool preview = false;
  // The decision is learned only once it is activated (reward() with
  // kActivatedMark before its deadline).
  bool defer_activation = false;
  // The decision's event id, when the caller has one (a client's); else a
  // new one is minted.
  std::optional<EventId> event_id;
};

struct Decision {
  EventId event_id{};
  int chosen = -1;
  double propensity = 0;
  std::vector<double> probabilities;  // one per candidate, in the given order
  std::vector<double> scores;         // when asked for
  uint64_t model_version = 0;         // updates the policy had applied, or the adopted model's version
  bool repeat = false;                // churn limiting showed the earlier variant
  EventId repeat_of{};
};

enum class RewardStatus { applied, duplicate, unknown_event, late, unknown_kind, invalid_value };
std::string_view to_string(RewardStatus status);

// Plain records for rebuilding a learner from a ledger.
struct LoggedCandidate {
  std::string variant_id;
  NamedFeatures features;  // used when `prepared` is null
  bool is_default = false;
  // The candidate's features already prepared (the catalogue's, valid while
  // the replay lasts): record() uses them as they are. Null: prepared from
  // `features`.
  const PreparedVariant* prepared = nullptr;
  const NamedFeatures& named() const { return prepared ? prepared->named : features; }
};
struct LoggedDecision {
  EventId event_id{};
  int64_t time_ms = 0;
  std::string unit, title;
  NamedFeatures user, context, title_features;
  std::vector<LoggedCandidate> candidates;
  int chosen = -1;
  double propensity = 0;
  bool repeat = false;
};
struct LoggedReward {
  EventId event_id{};
  std::string kind;
  double value = 1;
  int64_t time_ms = 0;
};

struct LearnerStats {
  size_t pending = 0, sticky = 0;
  uint64_t decisions = 0, repeats = 0, finalized = 0, evicted = 0;
  uint64_t rewards_applied = 0, duplicates = 0, unknown = 0, late = 0, rejected = 0;
  uint64_t activated = 0, unactivated = 0;  // deferred decisions: activated; finalized without
};

class Learner {
 public:
  explicit Learner(std::unique_ptr<Policy> policy, LearnerOptions options = {});
  explicit Learner(std::string_view policy_spec, LearnerOptions options = {});
  ~Learner();

  std::string spec() const { return spec_; }
  const FeatureLayout& layout() const { return layout_; }
  const LearnerOptions& options() const { return options_; }
  // The adopted model's version if there is one, else the updates applied.
  uint64_t model_version() const;

  // Takes source's policy (a model learned elsewhere, e.g. a trainer's
  // published learner) in one pointer swap under the model lock: decisions
  // before it use the old policy, after it the new one, and report `version`
  // as their model version. Pending, churn-limit and counter state stay this
  // learner's. Throws std::invalid_argument when the specs differ.
  void adopt_model(Learner& source, uint64_t version);

  // candidates: the title's eligible variants; default_index marks the
  // title's default variant (-1 if none). Throws std::invalid_argument for
  // an empty candidate list or a bad index.
  void decide(Request& request, std::span<const PreparedVariant* const> candidates,
              int default_index, const DecideOptions& options, Decision& out);

  RewardStatus reward(const EventId& event_id, std::string_view kind, double value,
                      int64_t now_ms);
  // Finalizes decisions whose deadline <= now_ms; returns how many.
  size_t expire(int64_t now_ms);

  // Snapshot to a file (atomic) or to bytes; load throws SnapshotError.
  // kModelOnly leaves out the pending and churn-limit tables: what a node
  // that only decides needs of a trainer's learner (small: the policy).
  enum class SnapshotContents { kWhole, kModelOnly };
  void save(const std::string& path) const;
  std::string snapshot(SnapshotContents contents = SnapshotContents::kWhole) const;
  static std::unique_ptr<Learner> load(const std::string& path);
  static std::unique_ptr<Learner> from_snapshot(std::string_view bytes);

  // A learner that decides as this one does now: a copy of its policy, the
  // same options but keep_pending off, and nothing pending, no churn-limit entries, no counters
  // (what a serving node holds between two published models).
  std::unique_ptr<Learner> clone_model() const;
  // Parks a decision another learner made (a serving copy of this model,
  // clone_model) for the same request and candidates, so this one learns
  // from it as if it had decided: the trainer's side of a node's decision.
  void learn_from(Request& request, std::span<const PreparedVariant* const> candidates,
                  int default_index, const Decision& decision, int64_t now_ms);

  // Parks a logged decision as pending (as decide() would have), without choosing.
  void record(const LoggedDecision& decision);
  // Only the churn-limit part of record(): from now until time_ms +
  // sticky_ms, the unit keeps seeing this variant of the title (a node that
  // does not learn rebuilds its table from the ledger this way). A repeat
  // decision, or sticky_ms = 0, changes nothing.
  void remember_shown(const LoggedDecision& decision);
  // Forgets a viewer: drops its churn-limit entries for these titles (the
  // only place a learner keeps anything derived from the unit id; pending
  // decisions hold features, not the unit). Returns how many were dropped.
  size_t forget_unit(std::string_view unit, std::span<const std::string> titles);
  // Turns the churn limit off and empties its table, for a learner that
  // never decides (the trainer's, loaded from a snapshot that kept one).
  void drop_churn_limit();
  // Feeds decisions and rewards in time order (decisions first at equal
  // times), expiring as time passes, then expire(end_ms).
  void replay(std::span<const LoggedDecision> decisions, std::span<const LoggedReward> rewards,
              int64_t end_ms);

  LearnerStats stats() const;
  // The policy's saved state (for comparing two learners' models).
  std::string policy_state() const;

 private:
  struct Pending;
  struct Sticky;
  struct Impl;
  // A decision's pending entry, built outside any lock. record_locked (state
  // lock held) parks it and counts the decision; when the table is full it
  // leaves the entry for park_evicting (after the lock), which finalizes the
  // earliest decisions to make room.
  Pending pending_of(const EventId& id, int64_t time_ms, const ChoiceInput& input,
                     int chosen) const;
  void record_locked(std::optional<Pending>& pending, bool repeat);
  void park_evicting(Pending p);
  // The churn-limit entry of a logged (non-repeat) decision; state lock held.
  void remember_locked(FeatureKey sticky_key, FeatureKey variant_key, const LoggedDecision& d);
  void finalize_locked(std::vector<Pending>& due);

  std::unique_ptr<Policy> policy_;  // swapped only under model_mu_ (adopt_model)
  std::string spec_;
  uint64_t adopted_version_ = 0;    // guarded by model_mu_
  LearnerOptions options_;
  FeatureLayout layout_;
  mutable std::shared_mutex model_mu_;
  mutable std::mutex state_mu_;
  std::mutex finalize_mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyart::engine
