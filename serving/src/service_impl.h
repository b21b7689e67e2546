// Internal state of keyart::serving::Service, shared by its source files.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "catalog_cache.h"
#include "client_events.h"
#include "keyart/engine/learner.h"
#include "keyart/ledger/ledger.h"
#include "keyart/serving/service.h"

namespace keyart::serving {

struct Service::Impl {
  explicit Impl(const ServiceOptions& o) : options(o) {}
  ServiceOptions options;
  std::unique_ptr<LedgerWriter> writer;

  // The service's own connection for reloads, admin and snapshot marks (not
  // used on the decide/reward path).
  std::mutex ledger_mu;
  std::optional<ledger::Ledger> ledger;

  // The catalogue in use; replaced whole by reload().
  mutable std::mutex catalog_mu;
  std::shared_ptr<const CatalogCache> catalog;

  // One learner per scope ("exp:<id>/<arm>", "default:<spec>"); never
  // removed while the service runs, so raw pointers stay valid.
  mutable std::shared_mutex learners_mu;
  std::unordered_map<std::string, std::unique_ptr<engine::Learner>> learners;
  std::unordered_map<std::string, std::string> learner_errors;  // scope -> why it has none

  // decide()/reward() hold it shared; snapshot() exclusive, so a snapshot's
  // learners and its ledger marks describe the same events.
  std::shared_mutex gate;
  std::atomic<bool> accepting{true};

  // Client event ids answered within the wait window (retries).
  ClientEvents client_events{options.limits.max_client_event_ids,
                             options.learner.wait_ms};

  // ModelSource::kLedger: the adopted model (model_follower.h).
  std::thread model_follower;
  std::atomic<int64_t> model_version{0}, model_published_at{0};
  std::atomic<uint64_t> model_adoptions{0}, model_poll_failures{0};
  mutable std::mutex pickup_mu;
  std::deque<int64_t> pickup_ms;  // the last 1,024 publish-to-swap delays

  std::thread expirer;
  std::mutex expirer_mu;
  std::condition_variable expirer_cv;
  bool stop_expirer = false;
  int64_t last_snapshot_ms = 0;
  std::optional<SnapshotInfo> last_snapshot;  // guarded by ledger_mu

  // The catalogue version the catalogue in use was read at, and the reloads
  // the version's moves caused.
  std::atomic<int64_t> catalog_version{-1};
  std::atomic<uint64_t> catalog_reloads{0};
  int64_t last_catalog_poll_ms = 0;

  // Viewer profiles (options.profiles.enabled), rebuilt from the ledger's
  // plays through the service's own connection.
  std::unique_ptr<profiles::ProfileStore> profiles;
  std::atomic<uint64_t> plays_accepted{0}, plays_refused{0};
  // With profiles: the viewer, title and time of recent decisions, so a
  // play or completion reward updates the viewer's profile at once (an
  // older one reaches it on its next rebuild). A two-way set-associative
  // cache of kRecentDecisions slots by event id: each decision overwrites
  // the older of its two slots; no allocation on the decide path once the
  // slots' strings have grown.
  static constexpr size_t kRecentDecisions = 1 << 18;
  struct RecentDecision {
    engine::EventId id{};
    std::string unit_id, title_id;
    int64_t ts = 0;
    uint64_t seq = 0;  // 0: empty
  };
  std::mutex recent_mu;
  std::vector<RecentDecision> recent;  // kRecentDecisions slots, with profiles only
  uint64_t recent_seq = 0;

  std::atomic<uint64_t> decisions{0}, fallbacks{0}, rewards{0}, reward_duplicates{0},
      reward_unknown{0}, reward_late{0}, bad_requests{0}, not_found{0}, rewards_acknowledged{0},
      rewards_deferred{0}, deferred_decisions{0}, activations{0};

  std::shared_ptr<const CatalogCache> current_catalog() const {
    std::lock_guard lock(catalog_mu);
    return catalog;
  }
  engine::Learner* learner_for(const std::string& scope) const;
  // Creates the learner of a scope from a spec unless it exists; records
  // (and returns null for) a spec the engine refuses.
  engine::Learner* ensure_learner(const std::string& scope, const std::string& spec);
  bool model_from_ledger() const {
    return options.model_source == ServiceOptions::ModelSource::kLedger;
  }
  void load_catalog();
  // With fitted profiles: the population of a catalogue being loaded (the
  // one in use when its titles' facts and viewing are unchanged); null
  // without a stored viewing. population_inputs: what the one in use was
  // built from.
  std::shared_ptr<const profiles::Population> population_for(const CatalogCache& fresh);
  std::mutex population_mu;       // held by load_catalog from population_for to the swap
  std::string population_inputs;  // under population_mu
  // Reloads the catalogue when the ledger's catalogue version moved.
  void follow_catalog();
  void run_expirer();
};

}  // namespace keyart::serving
