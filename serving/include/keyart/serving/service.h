// The artwork-serving hook: the one header a C++ service includes.
//
//   auto service = keyart::serving::Service::open({.ledger_path = "keyart.db"});
//   DecideRequest req{.unit_id = "u42", .title_id = "t017"};
//   req.context.set("device", "tv").set("hour", 21);
//   req.user.set("actor_a028", 0.9);
//   DecideResult d = service->decide(req);        // microseconds, never waits on disk
//   ... later ...
//   service->reward(d.event_id, "click", 1.0);
//
// decide() picks the variant for one impression: the unit's arm in the
// running experiment that covers the title (sticky hash of unit and salt;
// else the title's default policy) asks its policy for the probabilities
// of the eligible variants and samples one; the exposure (with propensity,
// policy, model version, context and candidates) is queued for the ledger.
// reward() joins a reward to its decision by event id: the model learns it
// when the decision's wait window ends (combined with the other kinds by the
// reward definition; a decision with no reward gets the default reward), and
// it is recorded in the ledger. A repeated (event, kind) is acknowledged and
// not counted twice; an unknown or expired event is reported as such.
//
// Failures: bad input throws ServiceError with an HTTP-like status (400 with
// the offending field, 404 for an unknown title/variant/experiment/event,
// 409 for a client event id reused for another request).
// If the policy fails or the ledger queue has no room, decide() still
// answers with the title's default artwork, marked fallback (counted in
// stats), and nothing is learned from it.
//
// Thread-safe: decide() and reward() run on any number of threads.
// shutdown() (or the destructor) stops accepting, drains the ledger queue and
// saves a model snapshot; open() restores the newest snapshot and replays the
// ledger rows after it, so nothing learned is lost across restarts. A
// service whose model comes from a trainer (ServiceOptions::model_source)
// learns nothing itself and takes no snapshots: see ModelSource below.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "keyart/engine/learner.h"
#include "keyart/engine/named_features.h"
#include "keyart/profiles/profile_store.h"
#include "keyart/serving/ledger_writer.h"
#include "keyart/serving/run_after.h"

namespace keyart::serving {

struct ServiceLimits {
  size_t max_candidates = 64;    // eligible variants in one request
  size_t max_features = 256;     // context + user features in one request
  size_t max_string_bytes = 256; // ids, names and text values
  size_t max_page_impressions = 100;  // impressions in one decide_page()
  size_t max_client_event_ids = 1 << 18;  // client event ids remembered for retries
};

// Viewer profiles (docs/PROFILES.md): the viewers' tastes learned from the
// plays recorded (record_plays) and supplied to decisions whose request does
// not carry them. Off unless enabled.
struct ProfileServiceOptions {
  bool enabled = false;
  size_t capacity = 1'000'000;          // viewers held in memory (the rest reloaded on use)
  profiles::ProfileOptions arithmetic;  // weights, half-life, prior
  int64_t future_tolerance_ms = 5 * 60'000;  // how far ahead of the clock a play may be
};

struct ServiceOptions {
  std::string ledger_path = "keyart.db";  // a SQLite path or a postgresql:// URI
  std::string files_dir;  // stored files (model snapshots); empty: the ledger's default
  engine::LearnerOptions learner;  // reward definition, wait window, churn limit, seed
  WriterOptions writer;
  ServiceLimits limits;
  int expire_interval_ms = 1000;   // how often wait windows are closed
  // How often the ledger's catalogue version is read; when it moved (titles,
  // variants, experiments changed by any process), the catalogue is
  // reloaded, as reload() does. 0: only reload() does.
  int64_t catalog_poll_ms = 1000;
  // Periodic snapshots (0: only on shutdown and on request); keyart serve's
  // defaults are these.
  int64_t snapshot_interval_ms = 5 * 60 * 1000;
  bool restore = true;             // load the newest snapshot and replay the ledger
  // Where the model comes from. kSelf: this service learns from its own
  // decisions and rewards (one node; snapshots and restore as above).
  // kLedger: a trainer (keyart train) learns from every node's and publishes
  // models into the ledger; this service only decides and logs. It adopts
  // the newest published model at start and every time a newer one appears
  // (polled every model_poll_ms), logs each decision with the version that
  // made it, writes rewards for the trainer to join, takes no snapshots, and
  // says in health() when the newest model is older than trainer_stale_ms.
  enum class ModelSource { kSelf, kLedger } model_source = ModelSource::kSelf;
  int model_poll_ms = 100;
  int64_t trainer_stale_ms = 30'000;
  ProfileServiceOptions profiles;
};

// Bad input or unknown ids; status is 400 or 404, field names the offending
// request field (empty when none).
class ServiceError : public std::runtime_error {
 public:
  ServiceError(int status, std::string field, const std::string& message)
      : std::runtime_error(message), status_(status), field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string field_;
};

struct DecideRequest {
  std::string unit_id;
  std::string title_id;
  engine::NamedFeatures context;  // device, country, hour, and any other named values
  engine::NamedFeatures user;     // e.g. actor_<id>, genre_<g>: affinities from history
  std::vector<std::string> eligible;           // empty: all active variants
  std::optional<std::string> experiment_id;    // empty: the running one, else the default policy
  std::optional<uint64_t> seed;                // fixes this decision's randomness
  bool want_scores = false;
  int64_t now_ms = 0;                          // 0: the clock
  std::optional<int64_t> position;             // where the tile is on the page (logged)
  // What would be shown, with every candidate's probability: nothing is
  // logged, learned or remembered, and the answer has no event id.
  bool preview = false;
  // The client's own id for this decision (ledger/client_event_id.h maps
  // it onto the event id): a retry with the same id and the same request
  // within the wait window gets the first answer, nothing decided or logged
  // again; the same id with a different request is refused (409). Not with
  // preview.
  std::optional<std::string> client_event_id;
  // Logged now but not shown yet (rendered below the fold, say): the
  // decision is learned, and counted in reports, only once activate() is
  // called for it within the wait window (see activate()).
  bool defer_activation = false;
};

// A whole page for one viewer (decide_page): one context, up to
// ServiceLimits::max_page_impressions titles, each with its position and,
// optionally, its eligible variants. max_same_actor (unset: no rule; else at
// least 1): no more than that many tiles of the page show artwork featuring
// the same actor.
struct PageImpression {
  std::string title_id;
  std::optional<int64_t> position;       // unset: its index on the page
  std::vector<std::string> eligible;     // empty: all active variants
};
struct DecidePageRequest {
  std::string unit_id;
  engine::NamedFeatures context, user;
  std::vector<PageImpression> impressions;
  std::optional<std::string> experiment_id;
  std::optional<uint64_t> seed;          // fixes the page's randomness (impression i: seed + i)
  std::optional<int> max_same_actor;
  bool want_scores = false;
  bool defer_activation = false;         // for every tile (each activated on its own)
  int64_t now_ms = 0;
};

struct DecideResult {
  std::string event_id;  // 32 hex digits
  std::string variant_id;
  std::string uri;
  double propensity = 1;
  std::optional<std::string> experiment_id, arm_id;
  std::string policy;  // the spec of the policy that chose
  uint64_t model_version = 0;
  bool fallback = false;  // the default artwork, because deciding failed
  std::string fallback_reason;
  bool repeat = false;    // churn limiting showed the unit's earlier variant
  // decide_page with max_same_actor: every candidate of this tile featured
  // an actor already shown max_same_actor times, so the rule was set aside
  // for it (it decided among all its candidates).
  bool page_rule_relaxed = false;
  bool preview = false;  // a preview: event_id is empty, nothing was logged
  bool deferred = false; // waits for activate()
  std::optional<std::string> client_event_id;  // the request's, if any
  std::optional<int64_t> position;  // the request's position, if any
  struct Candidate {
    std::string variant_id;
    double probability = 0;
    std::optional<double> score;
  };
  std::vector<Candidate> candidates;  // every eligible variant (when want_scores)
  // With want_scores: the viewer's tastes the decision used (actor_*,
  // genre_*), each from the request or from the viewer's profile.
  struct Taste {
    std::string feature;
    double value = 0;
    bool from_profile = false;
  };
  std::vector<Taste> tastes;
};

// One viewing reported by a client (record_plays, POST /v1/plays).
struct PlayReport {
  std::string unit_id;
  std::string title_id;
  std::optional<int64_t> ts_ms;   // unset: now
  std::optional<double> seconds;  // how long it was watched, when known
  bool completed = false;
};
struct PlayOutcome {
  bool accepted = false;
  std::string reason;  // why not, when refused
};

// An action that comes with its own features (Personalizer's inline
// actions), and the variant standing for it (external_variants()).
struct ExternalAction {
  std::string id;
  engine::NamedFeatures features;
};
struct ExternalVariant {
  std::string variant_id;
  bool active = true;  // false: retired in the catalogue (not a candidate)
};

struct RewardResult {
  // applied | duplicate | late | unknown_event (the learner's view)
  engine::RewardStatus status = engine::RewardStatus::unknown_event;
  bool learned = false;  // counted by a model
  bool deferred = false; // ModelSource::kLedger: no verdict here; the trainer joins it
};

// How long a reward's caller waits for the commit, and the event loop that
// keeps the time (keyart serve: the HTTP server's io_context). Its tasks
// must not run after the Service is gone.
struct AckDeadline {
  std::chrono::milliseconds after{0};
  RunAfter run_after;  // empty: no deadline, the callback waits for the verdict
};

// decisions: answered by a policy; fallbacks: answered with the default
// artwork (the two together are every decision answered). rewards (applied),
// reward_duplicates, reward_late, reward_unknown: rewards taken, by the
// learner's verdict. rewards_acknowledged: reward callbacks told kStored or
// kDuplicate (the commit beat the deadline).
struct ServiceStats {
  uint64_t decisions = 0, fallbacks = 0, rewards = 0, reward_duplicates = 0;
  uint64_t reward_unknown = 0, reward_late = 0, bad_requests = 0, not_found = 0;
  uint64_t rewards_acknowledged = 0;
  uint64_t rewards_deferred = 0;  // ModelSource::kLedger: recorded for the trainer
  uint64_t deferred_decisions = 0, activations = 0;  // decided with defer_activation; activate()d
  uint64_t plays_accepted = 0, plays_refused = 0;    // record_plays
  profiles::ProfileStoreStats profiles;              // with profiles enabled
  WriterStats writer;
  size_t learners = 0, pending = 0;
  int64_t catalog_version = 0;   // the ledger's catalogue version in use
  uint64_t catalog_reloads = 0;  // reloads after it moved (not counting reload() calls)
  bool degraded = false;
  // The model (ModelSource::kLedger): the adopted version (0: none yet), when
  // the trainer published it, how many times a newer one was adopted, polls
  // that failed, and whether the trainer looks stale (no newer model for
  // trainer_stale_ms), and the pickup delay (from the trainer's publish to
  // the swap here) over the last 1,024 adoptions while running.
  struct Model {
    bool from_ledger = false;
    int64_t version = 0;
    int64_t published_at_ms = 0;
    uint64_t adoptions = 0, poll_failures = 0;
    bool trainer_stale = false;
    int64_t pickup_p50_ms = 0, pickup_p99_ms = 0, pickup_max_ms = 0;
  } model;
};

struct SnapshotInfo {
  int64_t snapshot_id = 0;
  std::string path;
  int64_t last_exposure_id = 0, last_reward_id = 0;
  size_t bytes = 0;
};

class Service {
 public:
  static std::unique_ptr<Service> open(const ServiceOptions& options);
  ~Service();

  DecideResult decide(const DecideRequest& request);
  // A page: one decision per impression, in page order, each logged as its
  // own exposure with its position. Everything is validated before anything
  // is decided (an unknown title anywhere: 404 naming it, nothing logged).
  // With max_same_actor the tiles are decided in page order, each among the
  // candidates that keep the rule given the tiles before it, so each logged
  // propensity is the exact probability of the variant shown given the
  // earlier tiles (and the logged candidates are the ones it chose among).
  std::vector<DecideResult> decide_page(const DecidePageRequest& request);
  // on_recorded, if given, is called exactly once unless reward() throws:
  // with the ledger's verdict once the reward's batch was tried (kStored,
  // kDuplicate, kRejected: unknown event; kDropped: the ledger stayed
  // unwritable through shutdown), or with kTimedOut if the deadline comes
  // first (the reward stays queued; a retry is safe). Whichever comes first
  // wins; the other is ignored. The HTTP front answers from it.
  RewardResult reward(std::string_view event_id, std::string_view kind, double value,
                      int64_t now_ms = 0, RewardCallback on_recorded = {},
                      AckDeadline deadline = {});

  // A deferred decision (DecideRequest::defer_activation) was shown: from
  // now on it is learned like any other, with the rewards that came before
  // and after, and counted in reports. Recorded in the ledger as the
  // event's kActivatedMark row (engine/reward.h); the verdict, callback and
  // deadline are reward()'s: applied (now active), duplicate (already
  // active, or never deferred), late (after its wait window: recorded, not
  // learned), unknown_event.
  // Records viewings: each checked on its own (a viewer id of 1 to 256
  // bytes, a title in the catalogue, a time not before 1970 nor more than
  // profiles.future_tolerance_ms ahead of the clock, seconds >= 0). An
  // accepted one is queued for the ledger (a plays row; the same report
  // twice is the same viewing) and, with profiles on, added to the viewer's
  // profile at once. Outcomes in the order given.
  std::vector<PlayOutcome> record_plays(std::span<const PlayReport> plays, int64_t now_ms = 0);

  // Forgets a viewer (docs/PROFILES.md, "Forgetting a viewer"): with
  // decisions held back, what is queued for the ledger is committed first,
  // then the viewer's plays are deleted and its unit id in every exposure
  // replaced by a pseudonym and the stored snapshots rewritten without its
  // churn-limit entries (ledger/forget.h); its profile and the learners'
  // churn-limit entries are dropped from memory. 503 when the ledger cannot
  // be written; 400 for an empty id.
  struct ForgetOutcome {
    int64_t exposures = 0, plays = 0, snapshots = 0;
    bool files_clean = true;
  };
  ForgetOutcome forget_viewer(const std::string& unit_id);

  RewardResult activate(std::string_view event_id, int64_t now_ms = 0,
                        RewardCallback on_recorded = {}, AckDeadline deadline = {});

  // The variants of title_id standing for actions from outside, one per
  // action in order: kind external, id ledger::external_variant_id(title,
  // action id), created on first sight with the action's features (written
  // to the ledger in one transaction, then the catalogue reloaded; later
  // features for a known id are not applied: a changed action needs a new
  // id). A retired variant stays retired. Throws ServiceError 404 for an
  // unknown title, 400 for an action id no variant id can hold.
  std::vector<ExternalVariant> external_variants(const std::string& title_id,
                                                 const std::vector<ExternalAction>& actions);

  // With fitted profiles (ProfileOptions::fitted): blocks until no viewer
  // waits for its tastes to be fitted (tests and tools; decisions never wait).
  void wait_profiles_fitted();

  // Re-reads titles, variants and experiments from the ledger (after
  // uploads, retirements, experiment changes); learners are kept. The
  // service also does it by itself within catalog_poll_ms of a change.
  void reload();
  // Admin: start or stop an experiment in the ledger, then reload.
  void start_experiment(const std::string& experiment_id);
  void stop_experiment(const std::string& experiment_id);
  // Saves every learner as of a ledger mark (see docs/SERVING.md).
  SnapshotInfo snapshot();
  // Closes the wait windows that ended by now_ms (the background thread
  // does this every expire_interval_ms; exposed for tests and replay).
  size_t expire(int64_t now_ms);
  // Blocks until every exposure and reward submitted before the call has
  // been tried by the ledger writer (committed, or counted as rejected).
  void flush();
  // Stops accepting, drains the ledger queue, saves a snapshot.
  void shutdown();

  ServiceStats stats() const;
  bool healthy() const;
  const ServiceOptions& options() const;
  // The policy state of the learner behind an experiment arm or a default
  // policy ("exp:<id>/<arm>" or "default:<spec>"), for comparing models.
  std::optional<std::string> learner_state(const std::string& scope) const;
  std::vector<std::string> learner_scopes() const;
  std::string describe() const;  // one line: ledger, titles, learners, snapshot

  struct Impl;  // internal (serving/src)

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyart::serving
