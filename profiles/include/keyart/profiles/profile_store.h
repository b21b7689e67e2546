// The viewer profiles a serving process holds (docs/PROFILES.md): at most
// `capacity` viewers in memory; the least recently used is evicted when a
// new one comes in, never lost, since a viewer not in memory is rebuilt by
// the loader (from the ledger's plays) on first use. Recency is kept to
// within capacity/8 uses: a viewer used again within that many lookups of
// its last move to the front is not moved again (most lookups then leave
// the recency list alone), so an eviction may take a viewer used slightly
// more recently than another; with a capacity below 8 the order is exact.
// A viewer without plays is held too (an empty profile), so a new viewer
// costs one load, not one per decision. Thread-safe; a load runs outside the store's lock.
//
// With ProfileOptions::fitted the store fits tastes (population.h) on a
// thread of its own: a profile changed by add(), loaded, or not yet fitted
// against the population in use is queued once, and fitted outside the
// lock; until then a decision gets the tastes fitted last (none for a
// profile never fitted). Without a population (set_population) nothing is
// fitted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "keyart/profiles/population.h"
#include "keyart/profiles/viewer_profile.h"

namespace keyart::profiles {

struct ProfileStoreStats {
  uint64_t viewers = 0;     // held in memory now
  uint64_t loads = 0;       // rebuilt by the loader
  uint64_t evictions = 0;   // dropped from memory (rebuilt on next use)
  uint64_t viewings = 0;    // added through add()
  uint64_t bytes = 0;       // approximate memory of the profiles held
  uint64_t fits = 0;        // fitted tastes installed (fitted profiles)
  uint64_t fit_queue = 0;   // profiles waiting to be fitted
  double fit_seconds = 0;   // time spent fitting
};

class ProfileStore {
 public:
  // Fills a fresh profile with the viewer's stored viewings.
  using Loader = std::function<void(const std::string& unit_id, ViewerProfile& profile)>;

  ProfileStore(size_t capacity, ProfileOptions options, Loader loader);
  ~ProfileStore();
  ProfileStore(const ProfileStore&) = delete;
  ProfileStore& operator=(const ProfileStore&) = delete;

  // The viewer's affinities at now_ms (empty for a viewer without viewings).
  std::vector<Affinity> affinities(const std::string& unit_id, int64_t now_ms);
  // ViewerProfile::for_each_taste for the viewer (loaded if needed), with
  // the store's lock held: fn must not call the store.
  template <typename Fn>
  void for_each_taste(const std::string& unit_id, int64_t now_ms, Fn&& fn) {
    std::unique_lock lock(mu_);
    Entry& entry = entry_locked(unit_id, lock);
    if (options_.fitted) queue_fit_if_stale(unit_id, entry);
    entry.profile.for_each_taste(now_ms, options_, fn);
  }
  // Adds a viewing (loading the viewer first when not in memory); false when
  // the profile already had it at least as heavy.
  bool add(const std::string& unit_id, const Viewing& viewing, const TitleFacts& title);
  // Drops the viewer from memory (the caller removes its stored viewings).
  void forget(const std::string& unit_id);

  // Fitted profiles: the population to fit against from now on (null: none);
  // every profile held is fitted again when next used.
  void set_population(std::shared_ptr<const Population> population);
  // Blocks until no profile waits to be fitted (tests, tools).
  void wait_fitted();

  const ProfileOptions& options() const { return options_; }
  ProfileStoreStats stats() const;

 private:
  struct Entry {  // what a lookup reads first, next to the profile's own
    uint64_t moved_at = 0;  // the lookup count when last moved to the front
    std::list<std::string>::iterator lru;
    uint64_t fitted_generation = 0;  // the population its tastes were fitted against
    bool fit_queued = false;
    uint64_t serial = 0;             // which load of the viewer this is
    ViewerProfile profile;
  };
  void queue_fit_if_stale(const std::string& unit_id, Entry& entry);
  // Keeps stats_.bytes in step with a profile that went from before to after bytes.
  void resized(size_t before, size_t after);
  void run_fitter();
  // Moves a viewer found again to the front, unless it was moved there
  // within the last recent_window_ lookups.
  void touch(Entry& entry);
  // The viewer's entry, loaded if needed; lock held on return.
  Entry& entry_locked(const std::string& unit_id, std::unique_lock<std::mutex>& lock);

  const size_t capacity_;
  const uint64_t recent_window_;  // capacity / 8
  const ProfileOptions options_;
  Loader loader_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
  uint64_t lookups_ = 0, serials_ = 0;
  ProfileStoreStats stats_;
  // Fitted profiles: the population (its generation counts replacements)
  // and the fitter's queue; fitting_ while a fit is outside the lock.
  std::shared_ptr<const Population> population_;
  uint64_t generation_ = 0;
  std::deque<std::string> fit_queue_;
  bool fitting_ = false, stopping_ = false;
  std::condition_variable fit_wake_, fit_idle_;
  std::thread fitter_;
};

}  // namespace keyart::profiles
